import type { FeedState } from "../domain/types.js";

/** Reads in a row that must end at the same new address before a feed is moved there. */
export const MOVE_AFTER_READS = 3;

/**
 * A read of `url` that got its answer through permanent redirects only (`movedTo`): counted
 * while they keep leading to the same address. True when the feed should now be moved (one
 * permanent redirect may be a mistake the site undoes; three reads in a row are a move).
 */
export function noteMove(state: FeedState, url: string, movedTo: string | undefined): boolean {
  if (!movedTo || movedTo === url) {
    state.movedTo = state.movedReads = undefined;
    return false;
  }
  state.movedReads = state.movedTo === movedTo ? (state.movedReads ?? 0) + 1 : 1;
  state.movedTo = movedTo;
  return state.movedReads >= MOVE_AFTER_READS;
}
