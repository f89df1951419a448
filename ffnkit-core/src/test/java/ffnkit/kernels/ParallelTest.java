package ffnkit.kernels;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ParallelTest {

    @Test
    void everyTaskRunsExactlyOnceAcrossManyRegions() {
        for (int threads : new int[] {1, 2, 3}) {
            Parallel pool = new Parallel(threads);
            try {
                for (int round = 0; round < 2000; round++) {
                    int tasks = 1 + round % 37;
                    AtomicIntegerArray hits = new AtomicIntegerArray(tasks);
                    pool.forEach(tasks, hits::incrementAndGet);
                    for (int i = 0; i < tasks; i++) {
                        assertEquals(1, hits.get(i), "threads " + threads + " round " + round + " task " + i);
                    }
                }
            } finally {
                pool.close();
            }
        }
    }

    @Test
    void nestedRegionsRunInlineAndExceptionsPropagate() {
        Parallel pool = new Parallel(2);
        try {
            AtomicIntegerArray hits = new AtomicIntegerArray(16);
            pool.forEach(4, i -> pool.forEach(4, j -> hits.incrementAndGet(i * 4 + j)));
            for (int i = 0; i < 16; i++) {
                assertEquals(1, hits.get(i));
            }
            assertThrows(IllegalStateException.class, () -> pool.forEach(8, i -> {
                if (i == 5) {
                    throw new IllegalStateException("task 5");
                }
            }));
            // The pool is still usable afterwards.
            AtomicIntegerArray again = new AtomicIntegerArray(3);
            pool.forEach(3, again::incrementAndGet);
            assertEquals(1, again.get(2));
        } finally {
            pool.close();
        }
    }
}
