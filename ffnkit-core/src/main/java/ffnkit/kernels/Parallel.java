package ffnkit.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A persistent pool of worker threads shared by every kernel, so that hot loops never create
 * threads. The calling thread takes part; tasks are claimed from a shared counter, so equal tasks
 * split statically (one per thread when tasks == threads) and unequal ones balance themselves.
 *
 * <p>Why not a ForkJoinPool: the encoder issues ~40 parallel regions per batch, some only tens of
 * microseconds long (GEMMs at M = 1..8). Fork/join hand-off cost ~50 µs per region there, more than
 * the work; here workers spin briefly between regions and take new work within a microsecond or
 * two, then park so an idle pool costs nothing.
 *
 * <p>Regions do not nest: a forEach issued from inside a task, or while another thread's region is
 * running, runs its tasks inline on the calling thread.
 */
public final class Parallel {

    private static volatile Parallel shared = new Parallel(Runtime.getRuntime().availableProcessors());

    /** How long an idle worker spins before parking: covers the serial gaps between kernels. */
    private static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final boolean[] parked;
    private volatile int generation;
    private volatile boolean closed;
    private IntConsumer body;
    private int tasks;
    private volatile Throwable failure;

    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        this.parked = new boolean[threads - 1];
        for (int w = 0; w < workers.length; w++) {
            int id = w;
            workers[w] = Thread.ofPlatform().daemon().name("ffnkit-worker-" + w).unstarted(() -> work(id));
            workers[w].start();
        }
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
        if (workers.length == 0 || tasks == 1 || closed || !busy.compareAndSet(false, true)) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        try {
            this.body = body;
            this.tasks = tasks;
            this.failure = null;
            next.set(0);
            running.set(workers.length);
            generation++; // publishes body and tasks (volatile write after plain writes)
            for (int w = 0; w < workers.length; w++) {
                if (isParked(w)) {
                    LockSupport.unpark(workers[w]);
                }
            }
            claim(body, tasks);
            for (int spins = 0; running.get() > 0; spins++) {
                if (spins < 20_000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield(); // a worker was descheduled (oversubscribed machine)
                }
            }
            this.body = null;
        } finally {
            busy.set(false);
        }
        Throwable t = failure;
        if (t != null) {
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new RuntimeException(t);
        }
    }

    private void claim(IntConsumer body, int tasks) {
        for (int i; (i = next.getAndIncrement()) < tasks; ) {
            try {
                body.accept(i);
            } catch (Throwable t) {
                failure = t;
                next.set(tasks); // the rest is moot
            }
        }
    }

    private void work(int id) {
        int seen = 0;
        while (true) {
            long spinStart = System.nanoTime();
            int spins = 0;
            while (generation == seen && !closed) {
                if ((++spins & 63) != 0 || System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    setParked(id, true);
                    if (generation == seen && !closed) {
                        LockSupport.park(this);
                    }
                    setParked(id, false);
                    spinStart = System.nanoTime();
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            claim(body, tasks);
            running.decrementAndGet();
        }
    }

    // parked[] is read and written under the happens-before of these volatile-like accessors.
    private static final java.lang.invoke.VarHandle PARKED =
            java.lang.invoke.MethodHandles.arrayElementVarHandle(boolean[].class);

    private boolean isParked(int w) {
        return (boolean) PARKED.getVolatile(parked, w);
    }

    private void setParked(int w, boolean value) {
        PARKED.setVolatile(parked, w, value);
    }

    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
