import type { Logger } from "../log.js";
import type { LeaseRepo } from "../store/repos.js";

export type Role = "leader" | "standby" | "stopped";

export interface LeadershipDeps {
  leases: LeaseRepo;
  log: Logger;
  /** The lease's name; every instance of one token uses the same. */
  name: string;
  owner: string;
  ttlMs: number;
  /** Became the leader: start what only one instance may do. Awaited before the next renewal. */
  onLead: () => Promise<void>;
  /** No longer the leader (lost the lease, the database is away, stopping): stop it all. */
  onFollow: () => Promise<void>;
  now?: () => number;
}

export interface Leadership {
  start(): Promise<void>;
  /** Steps down (onFollow), releases the lease so another instance takes over at once. */
  stop(): Promise<void>;
  role(): Role;
}

/**
 * One leader among the instances of a token, by a lease in the database: the holder renews it
 * every third of its TTL; the others try to take it as often, and get it once it has expired
 * (the holder died) or was released (it stopped). The leader steps down on its own when it
 * could not renew for two thirds of the TTL, before anyone else can take the lease, so two
 * instances never act as leader at once even when the database goes away.
 */
export function createLeadership(deps: LeadershipDeps): Leadership {
  const log = deps.log.child({ component: "leader", lease: deps.name });
  const now = deps.now ?? Date.now;
  const every = Math.max(200, Math.floor(deps.ttlMs / 3));
  let role: Role = "stopped";
  let renewedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let step: Promise<void> = Promise.resolve();

  /**
   * Starting the leader's work waits for the last stop to end; stopping never waits for a start
   * (a start stuck on a slow call must not keep an instance that lost its lease working: onLead
   * checks, after each step, whether it still leads). Renewals wait for neither.
   */
  let starting: Promise<void> = Promise.resolve();
  let stopping: Promise<void> = Promise.resolve();

  function lead(): Promise<void> {
    role = "leader";
    log.info({ owner: deps.owner }, "this instance leads: updates, polling and sending");
    const previous = starting;
    starting = (async () => {
      await previous;
      await stopping;
      if (role !== "leader") return;
      try {
        await deps.onLead();
      } catch (err) {
        log.error({ err }, "could not start as leader; stepping down");
        if (role === "leader") {
          role = running ? "standby" : "stopped";
          await deps.onFollow().catch((e) => log.error({ err: e }, "stepping down failed"));
        }
        await deps.leases.release(deps.name, deps.owner).catch(() => undefined);
      }
    })();
    return starting;
  }

  function follow(reason: string): Promise<void> {
    if (role !== "leader") return stopping;
    role = running ? "standby" : "stopped";
    log.warn({ reason }, "this instance no longer leads; standing by");
    const previous = stopping;
    stopping = previous.then(() =>
      deps.onFollow().catch((err) => log.error({ err }, "stepping down failed")),
    );
    return stopping;
  }

  /**
   * The leader's own deadline: two thirds of the TTL after the start of its last successful
   * renewal (the lease's expiry counts from before that query), so it has stopped well before
   * another instance can take the lease, however late the next renewal attempts run.
   */
  let deadline: NodeJS.Timeout | undefined;
  function armDeadline(): void {
    if (deadline) clearTimeout(deadline);
    deadline = setTimeout(
      () => {
        if (role === "leader") void follow("could not renew the lease in time");
      },
      Math.max(0, renewedAt + (deps.ttlMs * 2) / 3 - now()),
    );
  }

  async function tick(): Promise<void> {
    const started = now();
    try {
      const held = await deps.leases.acquire(deps.name, deps.owner, deps.ttlMs);
      if (!running) return;
      if (held) {
        renewedAt = started;
        armDeadline();
        if (role !== "leader") void lead();
      } else if (role === "leader") {
        void follow("another instance holds the lease");
      }
    } catch (err) {
      log.warn({ err, leader: role === "leader" }, "lease check failed");
    }
  }

  function schedule(): void {
    if (!running) return;
    timer = setTimeout(() => {
      step = tick().finally(schedule);
    }, every);
  }

  return {
    async start() {
      running = true;
      role = "standby";
      await tick();
      // A start that took the lease returns with the leader's work started.
      await starting;
      schedule();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      if (deadline) clearTimeout(deadline);
      await step.catch(() => undefined);
      await follow("stopping");
      await starting.catch(() => undefined);
      await stopping;
      role = "stopped";
      // Also when a renewal took the lease while stopping: release removes only our own row.
      await deps.leases.release(deps.name, deps.owner).catch(() => undefined);
    },
    role: () => role,
  };
}
