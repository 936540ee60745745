/// <reference lib="dom" />
/**
 * The automated accessibility pass of the dashboard's browser test, run in
 * the page: every form control has an accessible name (WCAG 2.2 SC 4.1.2,
 * 3.3.2), and text meets the contrast minimum (SC 1.4.3: 4.5:1, 3:1 for
 * large text) against the background it is drawn on.
 */
import type { Page } from 'playwright-core';

export interface AccessibilityReport {
  /** controls without an accessible name, as `tag#id.class` */
  readonly unlabelled: string[];
  /** text whose contrast is below the minimum: `text (ratio < minimum)` */
  readonly lowContrast: string[];
  /** how many text elements were measured */
  readonly textsChecked: number;
}

/** Runs the checks on what `page` shows now. */
export function checkAccessibility(page: Page): Promise<AccessibilityReport> {
  return page.evaluate(() => {
    const describe = (element: Element) =>
      `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${
        typeof element.className === 'string' && element.className
          ? `.${element.className.split(' ')[0]}`
          : ''
      }`;
    const nameOf = (element: Element): string => {
      const labelledBy = element.getAttribute('aria-labelledby');
      if (labelledBy !== null)
        return labelledBy
          .split(' ')
          .map((id) => document.getElementById(id)?.textContent ?? '')
          .join(' ');
      const aria = element.getAttribute('aria-label');
      if (aria !== null) return aria;
      const labels = (element as HTMLInputElement).labels;
      if (labels !== null && labels !== undefined && labels.length > 0)
        return [...labels].map((label) => label.textContent ?? '').join(' ');
      if (element.tagName === 'BUTTON') return element.textContent ?? '';
      return element.getAttribute('title') ?? '';
    };
    const unlabelled = [...document.querySelectorAll('input, select, textarea, button')]
      .filter((element) => nameOf(element).trim() === '')
      .map(describe);

    const channel = (value: number) => {
      const c = value / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    const parse = (color: string): [number, number, number, number] | undefined => {
      const match = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(color);
      if (match === null) return undefined;
      return [
        Number(match[1]),
        Number(match[2]),
        Number(match[3]),
        match[4] === undefined ? 1 : Number(match[4]),
      ];
    };
    const luminance = ([r, g, b]: [number, number, number, number]) =>
      0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    const ratio = (a: [number, number, number, number], b: [number, number, number, number]) => {
      const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
      return (light + 0.05) / (dark + 0.05);
    };
    const backgroundOf = (element: Element | null): [number, number, number, number] => {
      for (let at = element; at !== null; at = at.parentElement) {
        const color = parse(getComputedStyle(at).backgroundColor);
        if (color !== undefined && color[3] > 0.5) return color;
      }
      return [255, 255, 255, 1];
    };
    /** SVG text sits on the shape drawn before it: the fills the diagram uses */
    const svgBackgrounds = [...document.querySelectorAll('svg rect')]
      .map((rect) => parse(getComputedStyle(rect).fill))
      .filter((fill): fill is [number, number, number, number] => fill !== undefined && fill[3] > 0.5);

    const lowContrast: string[] = [];
    let textsChecked = 0;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const text = node.textContent?.trim() ?? '';
      const element = node.parentElement;
      if (text === '' || element === null) continue;
      const style = getComputedStyle(element);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      // a disabled control is exempt (SC 1.4.3, "Incidental")
      if (element.closest('button:disabled') !== null) continue;
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      const minimum = large ? 3 : 4.5;
      const inSvg = element.closest('svg') !== null;
      const foreground = parse(inSvg ? style.fill : style.color);
      if (foreground === undefined) continue;
      const backgrounds = inSvg ? svgBackgrounds : [backgroundOf(element)];
      for (const background of backgrounds) {
        textsChecked += 1;
        const measured = ratio(foreground, background);
        if (measured < minimum)
          lowContrast.push(`${text.slice(0, 40)} (${measured.toFixed(2)} < ${minimum})`);
      }
    }
    return { unlabelled, lowContrast, textsChecked };
  });
}

/**
 * Presses Tab from the top of the page up to `presses` times and returns what
 * received focus, with whether a focus indicator was drawn (an outline).
 */
export async function tabThrough(
  page: Page,
  presses: number,
): Promise<{ name: string; outlined: boolean }[]> {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  const reached: { name: string; outlined: boolean }[] = [];
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press('Tab');
    reached.push(
      await page.evaluate(() => {
        const element = document.activeElement;
        if (element === null || element === document.body) return { name: '', outlined: false };
        const style = getComputedStyle(element);
        return {
          name: (element.getAttribute('aria-label') ?? element.textContent ?? '').trim(),
          outlined: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
        };
      }),
    );
  }
  return reached;
}
