/**
 * When the etcd store tries a call again: a member unreachable, a leader
 * election under way, a deadline passed (the cluster busy or without
 * quorum), every member skipped for a moment after failures. These pass
 * once the cluster has a leader again, usually within an election timeout
 * (1 s by default); others (permission denied, a malformed request) do not
 * and are answered at once.
 */
import { isBrokenCircuitError } from 'cockatiel';
import { GRPCDeadlineExceededError, GRPCUnavailableError, isRecoverableError } from 'etcd3';
import { StoreError } from './errors.js';

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 1000;

function isTransient(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof StoreError) return false;
  return (
    isRecoverableError(error) ||
    // every member was skipped after failures (etcd-store.ts tries them again after 1 s)
    isBrokenCircuitError(error) ||
    error instanceof GRPCDeadlineExceededError ||
    error instanceof GRPCUnavailableError ||
    // gRPC status UNAVAILABLE (14) or DEADLINE_EXCEEDED (4) as the transport reports them
    [4, 14].includes((error as { code?: unknown }).code as number) ||
    /no leader|leader changed|request timed out|UNAVAILABLE|DEADLINE_EXCEEDED/.test(error.message)
  );
}

/** Runs `work` again after 100 ms, 200 ms, … (at most 1 s apart) while it fails transiently and `budgetMs` lasts. */
export async function withRetries<T>(budgetMs: number, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let delay = FIRST_DELAY_MS; ; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
    try {
      return await work();
    } catch (error) {
      if (!isTransient(error) || Date.now() + delay >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
