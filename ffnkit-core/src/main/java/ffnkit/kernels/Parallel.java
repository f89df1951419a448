package ffnkit.kernels;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * A persistent pool of worker threads shared by every kernel, so that hot loops never create
 * threads. Work is split into a fixed number of chunks; the calling thread takes part.
 */
public final class Parallel {

    private static volatile Parallel shared = new Parallel(Runtime.getRuntime().availableProcessors());

    private final int threads;
    private final ForkJoinPool pool;

    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    /** The pool used by the engine; its size is set once by {@link #setThreads(int)} (CLI --threads). */
    public static Parallel shared() {
        return shared;
    }

    public static synchronized void setThreads(int threads) {
        if (threads == shared.threads) {
            return;
        }
        Parallel old = shared;
        shared = new Parallel(threads);
        old.close();
    }

    public int threads() {
        return threads;
    }

    /** Runs body(i) for i in [0, tasks); returns when all are done. */
    public void forEach(int tasks, IntConsumer body) {
        if (tasks <= 0) {
            return;
        }
        if (pool == null || tasks == 1) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        pool.submit(() -> IntStream.range(0, tasks).parallel().forEach(body)).join();
    }

    public void close() {
        if (pool != null) {
            pool.shutdown();
            try {
                pool.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
