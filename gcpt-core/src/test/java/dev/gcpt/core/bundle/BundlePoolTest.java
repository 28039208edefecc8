package dev.gcpt.core.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** Every item once, a state per thread closed when it ends, the first error thrown. */
class BundlePoolTest {
  /** A thread's state that counts its opens and closes. */
  static final class Counted implements AutoCloseable {
    final AtomicInteger closed;

    Counted(AtomicInteger opened, AtomicInteger closed) {
      opened.incrementAndGet();
      this.closed = closed;
    }

    @Override
    public void close() {
      closed.incrementAndGet();
    }
  }

  @Test
  void everyItemRunsOnceWithItsThreadsState() throws Exception {
    for (int threads : new int[] {1, 3}) {
      AtomicIntegerArray runs = new AtomicIntegerArray(100);
      AtomicInteger opened = new AtomicInteger();
      AtomicInteger closed = new AtomicInteger();
      List<String> names = Collections.synchronizedList(new ArrayList<>());
      BundlePool.run(100, threads, "t", () -> new Counted(opened, closed), (s, i) -> {
        runs.incrementAndGet(i);
        names.add(Thread.currentThread().getName());
      });
      for (int i = 0; i < 100; i++) {
        assertEquals(1, runs.get(i), "item " + i);
      }
      assertEquals(threads, opened.get());
      assertEquals(threads, closed.get());
      if (threads == 1) {
        assertTrue(names.stream().allMatch(n -> n.equals(Thread.currentThread().getName())), names.toString());
      } else {
        assertTrue(names.stream().allMatch(n -> n.matches("t-[012]")), names.toString());
      }
    }
  }

  @Test
  void nothingToDoMakesNoState() throws Exception {
    BundlePool.run(0, 4, "t", () -> {
      throw new IOException("no state may be made");
    }, (s, i) -> {});
  }

  @Test
  void theFirstErrorStopsTheOthersAndIsThrown() {
    AtomicInteger ran = new AtomicInteger();
    IOException e = assertThrows(IOException.class, () -> BundlePool.run(1000, 2, "t",
        () -> new Counted(new AtomicInteger(), new AtomicInteger()), (s, i) -> {
          ran.incrementAndGet();
          if (i == 5) {
            throw new IOException("item 5");
          }
        }));
    assertEquals("item 5", e.getMessage());
    assertTrue(ran.get() < 1000, "items were handed out after the error: " + ran.get());
    IOException open = assertThrows(IOException.class, () -> BundlePool.run(3, 2, "t", () -> {
      throw new IOException("cannot start");
    }, (s, i) -> {}));
    assertEquals("cannot start", open.getMessage());
  }
}
