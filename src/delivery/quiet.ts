import { quietEndsAt } from "../domain/settings.js";
import type { ChatSettings } from "../domain/types.js";
import type { DeliveryRepo } from "../store/repos.js";
import type { DeliveryWindow, Target } from "./window.js";

/**
 * Quiet hours: a chat's due posts wait in the database until its quiet window ends (not in
 * the worker's window, where they would crowd out every other chat), and then go out
 * together as one digest.
 */
export function createQuietHold(deps: {
  deliveries: DeliveryRepo;
  window: DeliveryWindow;
  /** The zone of a chat that chose none (TIMEZONE). */
  timeZone: string;
  now: () => number;
}) {
  /** Chats whose posts wait for the end of their quiet hours, and until when. */
  const held = new Map<number, number>();
  return {
    get size() {
      return held.size;
    },
    /** True when the target's posts were put off; false when they may go (as a digest after a hold). */
    async hold(t: Target, settings: ChatSettings): Promise<boolean> {
      const at = deps.now();
      const end = quietEndsAt(settings, at, deps.timeZone);
      if (end !== undefined) {
        await deps.deliveries.postpone(
          t.queue.map((d) => d.id),
          end,
        );
        held.set(t.chatId, end);
        // A chat that left during its quiet hours leaves no entry behind for long.
        for (const [chat, until] of held) if (until < at - 86_400_000) held.delete(chat);
        deps.window.forget(t, t.queue);
        return true;
      }
      if (held.delete(t.chatId)) t.heldByQuiet = true;
      return false;
    },
  };
}
