package ffnkit.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A persistent pool of worker threads shared by every kernel, so that hot loops never create
 * threads. The calling thread takes part; tasks are claimed from a shared counter, so equal tasks
 * split evenly and unequal ones (or a thread that starts late) balance themselves.
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

    /**
     * How long an idle worker spins before parking: covers the serial gaps between kernels.
     * {@code -Dffnkit.parallel.spinNanos=0} parks at once (kinder to other processes on a busy host).
     */
    private static final long SPIN_NANOS = Long.getLong("ffnkit.parallel.spinNanos", 200_000);

    private final int threads;
    private final Thread[] workers;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final boolean[] parked;
    /** The region being run (or the last one); workers pick it up by seeing a new object here. */
    private volatile Region current;
    private volatile boolean closed;

    /**
     * One forEach call. The caller waits only for tasks that were claimed, never for a worker to
     * show up: on an oversubscribed machine a descheduled worker would otherwise stall every region
     * for a scheduler time slice, while the caller has long done all the work itself. A worker that
     * arrives late finds the counter exhausted and goes back to waiting.
     */
    private static final class Region {
        final IntConsumer body;
        final int tasks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile Throwable failure;

        Region(IntConsumer body, int tasks) {
            this.body = body;
            this.tasks = tasks;
        }

        void claim() {
            for (int i; (i = next.getAndIncrement()) < tasks; ) {
                try {
                    body.accept(i);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    /**
     * Upper bound on the pool size: far above any useful count (the kernels split work into tiles,
     * not threads), low enough that a typo fails at once instead of after the OS refuses the
     * thousands-th native thread.
     */
    public static final int MAX_THREADS = 1024;

    public Parallel(int threads) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("thread count must be between 1 and " + MAX_THREADS + ", got " + threads);
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
        Region r = new Region(body, tasks);
        try {
            current = r;
            for (int w = 0; w < workers.length; w++) {
                if (isParked(w)) {
                    LockSupport.unpark(workers[w]);
                }
            }
            r.claim();
            for (int spins = 0; r.done.get() < tasks; spins++) {
                if (spins < 20_000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield(); // a worker holding a task was descheduled
                }
            }
        } finally {
            busy.set(false);
        }
        Throwable t = r.failure;
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

    private void work(int id) {
        Region seen = null;
        while (true) {
            long spinStart = System.nanoTime();
            int spins = 0;
            Region r;
            while ((r = current) == seen && !closed) {
                if ((++spins & 63) != 0 || System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    setParked(id, true);
                    if (current == seen && !closed) {
                        LockSupport.park(this);
                    }
                    setParked(id, false);
                    spinStart = System.nanoTime();
                }
            }
            if (closed) {
                return;
            }
            seen = r;
            r.claim();
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
