/**
 * The bookkeeping of one long-lived `ip -force -json -batch -` session
 * (kernel.ts runs the process): which output belongs to which request, and
 * which command of a request failed. Pure: lines in, replies out.
 *
 * A request is some commands that print nothing when they succeed (`route
 * replace`, `route del`) followed by one query that prints one line of JSON
 * (`route show`, `link show`). `ip` runs the commands in order and, with
 * `-force`, goes on past a failed one, printing its error and then
 * `Command failed -:N`, N being the line's number in the session (iproute2
 * lib/utils.c, do_batch). With stderr and stdout on one pipe (stdout flushed
 * at the end of every JSON document), a request's reply is complete at its
 * query's JSON line, or at `Command failed` for its query's line.
 */

/** A command that `ip` refused, with what it printed about it. */
export interface LineFailure {
  readonly line: string;
  readonly message: string;
}

export interface BatchReply {
  /** the query's JSON line; undefined when the query itself failed */
  readonly output: string | undefined;
  /** the commands that failed, the query included */
  readonly failures: readonly LineFailure[];
}

interface Request {
  /** the session line number of the request's first line */
  readonly first: number;
  readonly lines: readonly string[];
  readonly failures: LineFailure[];
  readonly resolve: (reply: BatchReply) => void;
  readonly reject: (error: Error) => void;
}

const FAILED = /^Command failed -:(\d+)$/;

export class BatchLedger {
  private lineCount = 0;
  private readonly waiting: Request[] = [];
  private message: string[] = [];

  /** Requests whose reply has not arrived. */
  get pending(): number {
    return this.waiting.length;
  }

  /**
   * Registers `commands` then `query`; returns the text to write to `ip`'s
   * stdin. The reply comes through `resolve` once `receive` saw its end.
   */
  submit(
    commands: readonly string[],
    query: string,
    resolve: (reply: BatchReply) => void,
    reject: (error: Error) => void,
  ): string {
    const lines = [...commands, query];
    for (const line of lines) {
      if (line.includes('\n') || line.includes('#') || line.includes('\\'))
        throw new Error(`not one ip batch command: ${JSON.stringify(line)}`);
    }
    this.waiting.push({ first: this.lineCount + 1, lines, failures: [], resolve, reject });
    this.lineCount += lines.length;
    return `${lines.join('\n')}\n`;
  }

  /**
   * One line that `ip` printed (stdout and stderr together, in order). False
   * when it does not fit the requests (every waiting one then failed): the
   * session is out of step and its process must go.
   */
  receive(line: string): boolean {
    const request = this.waiting[0];
    if (request === undefined) return line.trim() === '';
    const last = request.first + request.lines.length - 1;
    const failed = FAILED.exec(line);
    if (failed !== null) {
      const number = Number(failed[1]);
      if (number < request.first || number > last) {
        this.failAll(new Error(`ip reported line ${number}, expected ${request.first}-${last}`));
        return false;
      }
      request.failures.push({
        line: request.lines[number - request.first]!,
        message: this.message.join(' ') || 'failed',
      });
      this.message = [];
      if (number === last) this.finish({ output: undefined, failures: request.failures });
    } else if (line.startsWith('[') || line.startsWith('{')) {
      this.message = [];
      this.finish({ output: line, failures: request.failures });
    } else if (line.trim() !== '') {
      this.message.push(line.trim());
    }
    return true;
  }

  /** Fails every waiting request (the process is gone or stuck). */
  failAll(error: Error): void {
    const waiting = this.waiting.splice(0);
    this.message = [];
    for (const request of waiting) request.reject(error);
  }

  private finish(reply: BatchReply): void {
    this.waiting.shift()!.resolve(reply);
  }
}
