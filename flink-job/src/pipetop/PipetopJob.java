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
 * <p>Arguments (built by pipetop's `run --on`):
 * <pre>
 *   --name NAME --seed N --rate R|max --arrivals poisson|uniform --control FILE
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
        List<String[]> stages = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--name": name = args[++i]; break;
                case "--seed": seed = Long.parseLong(args[++i]); break;
                case "--rate": rate = args[++i]; break;
                case "--arrivals": arrivals = args[++i]; break;
                case "--control": control = args[++i]; break;
                case "--record-bytes": recordBytes = Integer.parseInt(args[++i]); break;
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
        DataStream<byte[]> stream = env
                .addSource(new PacedSource(parseRate(rate), arrivals.equals("poisson"), control, seed,
                        Math.max(8, recordBytes)), "source")
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

    /** The scenario's arrival process, steered through the control file. */
    /** An item: `size` bytes, the first eight its id. */
    static byte[] item(long id, int size) {
        return ByteBuffer.allocate(size).putLong(0, id).array();
    }

    static final class PacedSource extends RichSourceFunction<byte[]> {
        private final double initialRate;
        private final boolean poisson;
        private final String control;
        private final long seed;
        private final int size;
        private volatile boolean running = true;

        PacedSource(double rate, boolean poisson, String control, long seed, int size) {
            this.initialRate = rate;
            this.poisson = poisson;
            this.control = control;
            this.seed = seed;
            this.size = size;
        }

        @Override
        public void run(SourceContext<byte[]> ctx) throws Exception {
            SplittableRandom random = new SplittableRandom(seed);
            Control settings = Control.read(control, new Control(initialRate, false, 0));
            // Bursts asked for before this (re)start are history.
            long burstsDone = settings.burstItems;
            long lastRead = System.nanoTime();
            long next = System.nanoTime();
            long id = 0;
            while (running) {
                long now = System.nanoTime();
                if (now - lastRead >= 100_000_000L) {
                    settings = Control.read(control, settings);
                    lastRead = now;
                }
                for (; burstsDone < settings.burstItems && running; burstsDone++) {
                    synchronized (ctx.getCheckpointLock()) { ctx.collect(item(id++, size)); }
                }
                if (settings.paused) {
                    LockSupport.parkNanos(10_000_000L);
                    next = System.nanoTime();
                    continue;
                }
                if (settings.rate <= 0.0) {
                    synchronized (ctx.getCheckpointLock()) { ctx.collect(item(id++, size)); }
                    continue;
                }
                if (now < next) {
                    LockSupport.parkNanos(Math.min(next - now, 50_000_000L));
                    continue;
                }
                synchronized (ctx.getCheckpointLock()) { ctx.collect(item(id++, size)); }
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

        Control(double rate, boolean paused, long burstItems) {
            this.rate = rate;
            this.paused = paused;
            this.burstItems = burstItems;
        }

        /** The file's settings; `previous` where it is missing or unreadable. */
        static Control read(String path, Control previous) {
            if (path.isEmpty()) return previous;
            Path file = Paths.get(path);
            double rate = previous.rate;
            boolean paused = previous.paused;
            long burst = previous.burstItems;
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
                        default: break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                return previous;
            }
            return new Control(rate, paused, burst);
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
