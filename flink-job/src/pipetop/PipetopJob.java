package pipetop;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.functions.source.legacy.RichSourceFunction;

/**
 * A pipetop scenario as a Flink job: a source at the scenario's rate, then one
 * operator per stage (its own job vertex, parallelism = the stage's workers)
 * whose work is the stage's service-time distribution, then a discarding sink
 * chained to the last stage.
 *
 * <p>Each item carries its birth (when the arrival process scheduled it, in ms
 * since the epoch) as its event time; the source's vertex assigns monotonous
 * watermarks from it, so every stage has a watermark and pipetop shows its lag.
 * Checkpoints are taken every `--checkpoint-ms` (aligned; a failed one is
 * tolerated, never a reason to restart), so the checkpoint panel has figures.
 *
 * <p>Arguments (built by pipetop's `run --on`):
 * <pre>
 *   --name NAME --seed N --rate R|max --arrivals poisson|uniform --control FILE
 *   --checkpoint-ms N  (default 5000; 0 turns checkpoints off)
 *   --heartbeat-timeout-ms N   (default 30000; see below)
 *   --record-bytes N   (each item's size, default 1024: Flink's 32 KiB network
 *                       buffers then hold tens of items, not thousands, so a
 *                       burst fills them as it would with real records)
 *   --stage NAME WORKERS DIST A_US B_US MODE FAIL_RATE MAX_ATTEMPTS   (once per stage)
 * </pre>
 * DIST is fixed|uniform|exp|normal|lognormal; A and B are its two parameters in
 * microseconds (mean and stddev, or min and max). MODE is sleep or spin.
 *
 * <p>The control file (written atomically by pipetop on the same machine, read by
 * the source every 100 ms) holds `rate=R|max`, `paused=0|1` and `burst_items=N`,
 * the total of all bursts asked for so far: the source emits what it has not yet.
 * It also names its owner, `owner_pid=P`, and `heartbeat_ms=T`, when pipetop last
 * wrote it (pipetop rewrites it at every look, about once a second).
 *
 * <p>A job must not outlive the pipetop that submitted it, even one killed with
 * SIGKILL: the source ends (and the job finishes) when the owner's process is
 * gone, checked by PID at every read of the file; where the source could not see
 * the owner's process when it started (another PID namespace), when the
 * heartbeat is older than the heartbeat timeout instead.
 */
public final class PipetopJob {
    private PipetopJob() {}

    public static void main(String[] args) throws Exception {
        String name = "pipetop";
        long seed = 1;
        String rate = "1000";
        String arrivals = "poisson";
        String control = "";
        int recordBytes = 1024;
        long checkpointMs = 5000;
        long heartbeatTimeoutMs = 30_000;
        List<String[]> stages = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--name": name = args[++i]; break;
                case "--seed": seed = Long.parseLong(args[++i]); break;
                case "--rate": rate = args[++i]; break;
                case "--arrivals": arrivals = args[++i]; break;
                case "--control": control = args[++i]; break;
                case "--record-bytes": recordBytes = Integer.parseInt(args[++i]); break;
                case "--checkpoint-ms": checkpointMs = Long.parseLong(args[++i]); break;
                case "--heartbeat-timeout-ms": heartbeatTimeoutMs = Long.parseLong(args[++i]); break;
                case "--stage": {
                    String[] stage = new String[8];
                    for (int k = 0; k < 8; k++) stage[k] = args[++i];
                    stages.add(stage);
                    break;
                }
                default: throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (stages.isEmpty()) throw new IllegalArgumentException("at least one --stage is needed");

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        if (checkpointMs > 0) {
            env.enableCheckpointing(checkpointMs);
            env.getCheckpointConfig().setCheckpointTimeout(Math.max(60_000L, 4 * checkpointMs));
            env.getCheckpointConfig().setTolerableCheckpointFailureNumber(Integer.MAX_VALUE);
        }
        DataStream<byte[]> stream = env
                .addSource(new PacedSource(parseRate(rate), arrivals.equals("poisson"), control, seed,
                        Math.max(16, recordBytes), heartbeatTimeoutMs), "source")
                .setParallelism(1)
                .assignTimestampsAndWatermarks(WatermarkStrategy.<byte[]>forMonotonousTimestamps()
                        .withTimestampAssigner((item, previous) -> ByteBuffer.wrap(item).getLong(8)))
                .name("watermarks")
                .setParallelism(1);
        for (String[] s : stages) {
            stream = stream
                    .rebalance()
                    .map(new Work(s[0], s[2], Double.parseDouble(s[3]), Double.parseDouble(s[4]),
                            s[5].equals("spin"), Double.parseDouble(s[6]), Integer.parseInt(s[7]), seed))
                    .name(s[0])
                    .uid("stage-" + s[0])
                    .setParallelism(Integer.parseInt(s[1]))
                    .startNewChain();
        }
        stream.sinkTo(new DiscardingSink<>()).name("sink");
        env.execute("pipetop: " + name);
    }

    /** Items per second; 0 means as fast as the pipeline takes them. */
    static double parseRate(String text) {
        return text.equals("max") ? 0.0 : Double.parseDouble(text);
    }

    /** An item: `size` bytes, the first eight its id, the next eight its birth (ms since the epoch). */
    static byte[] item(long id, long birthMs, int size) {
        return ByteBuffer.allocate(size).putLong(0, id).putLong(8, birthMs).array();
    }

    /** The scenario's arrival process, steered through the control file. */
    static final class PacedSource extends RichSourceFunction<byte[]> {
        private final double initialRate;
        private final boolean poisson;
        private final String control;
        private final long seed;
        private final int size;
        private final long heartbeatTimeoutMs;
        private volatile boolean running = true;

        PacedSource(double rate, boolean poisson, String control, long seed, int size,
                    long heartbeatTimeoutMs) {
            this.initialRate = rate;
            this.poisson = poisson;
            this.control = control;
            this.seed = seed;
            this.size = size;
            this.heartbeatTimeoutMs = heartbeatTimeoutMs;
        }

        /** True while the process of `pid` runs on this machine. */
        static boolean alive(long pid) {
            return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }

        /** True once pipetop, which submitted the job, is gone (see the class comment). */
        boolean ownerGone(Control settings, boolean ownerVisible) {
            if (ownerVisible) return !alive(settings.ownerPid);
            return heartbeatTimeoutMs > 0 && settings.heartbeatMs > 0
                    && System.currentTimeMillis() - settings.heartbeatMs > heartbeatTimeoutMs;
        }

        @Override
        public void run(SourceContext<byte[]> ctx) throws Exception {
            SplittableRandom random = new SplittableRandom(seed);
            Control settings = Control.read(control, new Control(initialRate, false, 0, 0, 0));
            // A PID this JVM cannot see (another PID namespace) is judged by the heartbeat.
            boolean ownerVisible = alive(settings.ownerPid);
            // Bursts asked for before this (re)start are history.
            long burstsDone = settings.burstItems;
            long lastRead = System.nanoTime();
            long next = System.nanoTime();
            // Wall-clock ms of a System.nanoTime() value: an item's birth.
            long epochMs = System.currentTimeMillis() - System.nanoTime() / 1_000_000L;
            long id = 0;
            while (running) {
                long now = System.nanoTime();
                if (now - lastRead >= 100_000_000L) {
                    settings = Control.read(control, settings);
                    lastRead = now;
                    if (control.length() > 0 && ownerGone(settings, ownerVisible)) {
                        // pipetop is gone: end the source, so the job finishes.
                        return;
                    }
                }
                for (; burstsDone < settings.burstItems && running; burstsDone++) {
                    long birth = epochMs + System.nanoTime() / 1_000_000L;
                    synchronized (ctx.getCheckpointLock()) { ctx.collect(item(id++, birth, size)); }
                }
                if (settings.paused) {
                    LockSupport.parkNanos(10_000_000L);
                    next = System.nanoTime();
                    continue;
                }
                if (settings.rate <= 0.0) {
                    long birth = epochMs + now / 1_000_000L;
                    synchronized (ctx.getCheckpointLock()) { ctx.collect(item(id++, birth, size)); }
                    continue;
                }
                if (now < next) {
                    LockSupport.parkNanos(Math.min(next - now, 50_000_000L));
                    continue;
                }
                // Born when it was due, not when a blocked source got it out.
                long birth = epochMs + next / 1_000_000L;
                synchronized (ctx.getCheckpointLock()) { ctx.collect(item(id++, birth, size)); }
                double gap = 1e9 / settings.rate;
                if (poisson) gap = -Math.log(1.0 - random.nextDouble()) * gap;
                next += (long) gap;
                // A source held back by backpressure owes at most 10 s of arrivals.
                next = Math.max(next, now - 10_000_000_000L);
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }

    /** What the control file says. */
    static final class Control {
        final double rate;
        final boolean paused;
        final long burstItems;
        final long ownerPid;
        final long heartbeatMs;

        Control(double rate, boolean paused, long burstItems, long ownerPid, long heartbeatMs) {
            this.rate = rate;
            this.paused = paused;
            this.burstItems = burstItems;
            this.ownerPid = ownerPid;
            this.heartbeatMs = heartbeatMs;
        }

        /** The file's settings; `previous` where it is missing or unreadable. */
        static Control read(String path, Control previous) {
            if (path.isEmpty()) return previous;
            Path file = Paths.get(path);
            double rate = previous.rate;
            boolean paused = previous.paused;
            long burst = previous.burstItems;
            long owner = previous.ownerPid;
            long heartbeat = previous.heartbeatMs;
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    int eq = line.indexOf('=');
                    if (eq < 0) continue;
                    String key = line.substring(0, eq).trim();
                    String value = line.substring(eq + 1).trim();
                    switch (key) {
                        case "rate": rate = parseRate(value); break;
                        case "paused": paused = value.equals("1"); break;
                        case "burst_items": burst = Long.parseLong(value); break;
                        case "owner_pid": owner = Long.parseLong(value); break;
                        case "heartbeat_ms": heartbeat = Long.parseLong(value); break;
                        default: break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                return previous;
            }
            return new Control(rate, paused, burst, owner, heartbeat);
        }
    }

    /** One stage: each item takes a service time drawn from the stage's distribution. */
    static final class Work extends RichMapFunction<byte[], byte[]> {
        private final String stage;
        private final String dist;
        private final double aMicros;
        private final double bMicros;
        private final boolean spin;
        private final double failRate;
        private final int maxAttempts;
        private final long seed;
        private transient SplittableRandom random;

        Work(String stage, String dist, double aMicros, double bMicros, boolean spin,
             double failRate, int maxAttempts, long seed) {
            this.stage = stage;
            this.dist = dist;
            this.aMicros = aMicros;
            this.bMicros = bMicros;
            this.spin = spin;
            this.failRate = failRate;
            this.maxAttempts = Math.max(1, maxAttempts);
            this.seed = seed;
        }

        @Override
        public void open(OpenContext context) {
            int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
            random = new SplittableRandom(seed * 1_000_003L + stage.hashCode() * 31L + subtask);
        }

        @Override
        public byte[] map(byte[] item) {
            for (int attempt = 1; ; attempt++) {
                work(serviceNanos());
                if (failRate <= 0.0 || random.nextDouble() >= failRate) return item;
                if (attempt >= maxAttempts) {
                    throw new RuntimeException("pipetop: item " + ByteBuffer.wrap(item).getLong(0) + " failed " + attempt
                            + " attempts in stage " + stage);
                }
            }
        }

        private long serviceNanos() {
            double micros;
            switch (dist) {
                case "fixed": micros = aMicros; break;
                case "uniform": micros = aMicros + random.nextDouble() * (bMicros - aMicros); break;
                case "exp": micros = -Math.log(1.0 - random.nextDouble()) * aMicros; break;
                case "normal": micros = aMicros + gaussian() * bMicros; break;
                case "lognormal": {
                    double sigma2 = Math.log(1.0 + (bMicros * bMicros) / (aMicros * aMicros));
                    double mu = Math.log(aMicros) - sigma2 / 2.0;
                    micros = Math.exp(mu + Math.sqrt(sigma2) * gaussian());
                    break;
                }
                default: throw new IllegalArgumentException("unknown distribution " + dist);
            }
            return (long) (Math.max(0.0, micros) * 1000.0);
        }

        private double gaussian() {
            double u = 1.0 - random.nextDouble();
            double v = random.nextDouble();
            return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v);
        }

        /** Sleeps (I/O-bound work) or spins (CPU-bound work) for `nanos`. */
        private void work(long nanos) {
            long end = System.nanoTime() + nanos;
            for (long left = nanos; left > 0; left = end - System.nanoTime()) {
                if (spin) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(left);
                }
            }
        }
    }
}
