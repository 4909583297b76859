import type { ModelOrm } from '../orm/create-orm.js';

export interface HeldWriteLock {
  release(): void;
  /** Settles when the holding transaction has ended. */
  done: Promise<void>;
}

/** Opens a write transaction on `model` and keeps it open (and its lock taken) until released. */
export async function holdWriteLock(model: ModelOrm): Promise<HeldWriteLock> {
  let release!: () => void;
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const done = model.orm.em.fork().transactional(async () => {
    locked();
    await new Promise<void>((resolve) => (release = resolve));
  });
  await isLocked;
  return { release, done };
}
