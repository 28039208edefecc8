package dev.gcpt.cli;

/**
 * A {@code gcpt} command packaged in a module of its own (the benchmarks, {@code bench/}): it joins
 * the command line when its jar is on the class path, found by {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.gcpt.cli.GcptCommand}). The implementation is a picocli
 * {@code @Command} with a public no-argument constructor; {@code bin/gcpt bench} puts the module's
 * jar on the class path.
 */
public interface GcptCommand {}
