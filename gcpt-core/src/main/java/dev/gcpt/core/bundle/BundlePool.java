package dev.gcpt.core.bundle;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Bundles on a few threads, one at a time each: item {@code i} of {@code n} goes to the next free
 * thread, in order, and each thread has a state of its own (its builders, its worker) made when it
 * starts and closed when it ends. The first error stops the others after the item they are on (an
 * item begun is never interrupted: a bundle is finished or journaled) and is thrown, the later
 * ones suppressed in it. With one thread the items run on the caller's. Used by {@code gcpt run}'s
 * local executor and by {@code gcpt regenerate}.
 */
public final class BundlePool {
  private BundlePool() {}

  /** A thread's state: made on the thread that uses it. */
  public interface State<S extends AutoCloseable> {
    S open() throws IOException;
  }

  /** One item, with its thread's state. */
  public interface Item<S> {
    void run(S state, int index) throws IOException, InterruptedException;
  }

  /**
   * Runs {@code item} for every index in {@code [0, n)} on {@code threads} threads (at most
   * {@code n}) named {@code name}-0, -1…
   */
  public static <S extends AutoCloseable> void run(int n, int threads, String name, State<S> state, Item<S> item)
      throws IOException, InterruptedException {
    if (n == 0) {
      return; // no state is made for nothing to do
    }
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> error = new AtomicReference<>();
    Runnable loop = () -> {
      try (S s = state.open()) {
        for (int i; error.get() == null && (i = next.getAndIncrement()) < n; ) {
          item.run(s, i);
        }
      } catch (Throwable e) {
        if (!error.compareAndSet(null, e)) {
          error.get().addSuppressed(e);
        }
      }
    };
    int t = Math.max(1, Math.min(threads, n));
    if (t == 1) {
      loop.run();
    } else {
      List<Thread> running = new ArrayList<>();
      for (int w = 0; w < t; w++) {
        Thread th = new Thread(loop, name + "-" + w);
        th.setDaemon(true);
        running.add(th);
        th.start();
      }
      boolean interrupted = false;
      for (Thread th : running) {
        while (th.isAlive()) {
          try {
            th.join();
          } catch (InterruptedException e) {
            // no item is handed out any more; those begun are finished before this returns
            interrupted = true;
            error.compareAndSet(null, e);
          }
        }
      }
      if (interrupted && !(error.get() instanceof InterruptedException)) {
        Thread.currentThread().interrupt(); // another error is thrown: the interrupt stays pending
      }
    }
    Throwable e = error.get();
    if (e instanceof IOException io) {
      throw io;
    }
    if (e instanceof InterruptedException ie) {
      throw ie;
    }
    if (e instanceof RuntimeException r) {
      throw r;
    }
    if (e instanceof Error r) {
      throw r;
    }
    if (e != null) {
      throw new IOException(e);
    }
  }
}
