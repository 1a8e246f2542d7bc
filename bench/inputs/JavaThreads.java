// JavaThreads: 4 threads, each building and dropping many short-lived objects
// (lists of boxed numbers and strings: GC pressure) and sharing a checksum
// through an AtomicLong; the output is deterministic.
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

public class JavaThreads {
    public static void main(String[] args) throws InterruptedException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        AtomicLong total = new AtomicLong();
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            final int seed = t;
            ts[t] = new Thread(() -> total.addAndGet(work(seed, rounds)));
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        System.out.println("threads=" + threads + " rounds=" + rounds + " checksum=" + total.get());
    }

    static long work(int seed, int rounds) {
        long sum = 0;
        for (int r = 0; r < rounds; r++) {
            List<Integer> xs = new ArrayList<>();
            Map<String, Integer> m = new HashMap<>();
            for (int i = 0; i < 2000; i++) {
                int v = (i * 31 + r * 7 + seed) % 1009;
                xs.add(v);
                m.put("k" + (v % 257), v);
            }
            for (int v : xs) {
                sum += v;
            }
            for (Map.Entry<String, Integer> e : m.entrySet()) {
                sum += e.getKey().length() * e.getValue();
            }
        }
        return sum;
    }
}
