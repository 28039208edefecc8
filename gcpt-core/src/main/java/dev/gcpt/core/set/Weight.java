package dev.gcpt.core.set;

import java.math.BigDecimal;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A SimPoint weight: the text exactly as the source of truth wrote it (kept for writing the set
 * back out) and its exact decimal value (for sums and comparisons).
 *
 * @param text the weight as written, for example {@code 0.0708853} or {@code 1e-05}
 * @param value the exact decimal value of {@code text}
 */
public record Weight(String text, BigDecimal value) {
  /** A plain or scientific decimal without sign: {@code 0.070885}, {@code 1}, {@code .5}, {@code 1e-05}. */
  static final String DECIMAL_REGEX = "(?:[0-9]+(?:\\.[0-9]+)?|\\.[0-9]+)(?:[eE][-+]?[0-9]+)?";

  private static final Pattern DECIMAL = Pattern.compile(DECIMAL_REGEX);

  public Weight {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(value, "value");
  }

  /**
   * Parses a weight.
   *
   * @throws IllegalArgumentException saying why, if {@code text} is not a decimal in [0, 1]
   */
  public static Weight parse(String text) {
    if (text == null || !DECIMAL.matcher(text).matches()) {
      throw new IllegalArgumentException("not a decimal number");
    }
    BigDecimal value = new BigDecimal(text);
    if (value.compareTo(BigDecimal.ONE) > 0) {
      throw new IllegalArgumentException("weight above 1");
    }
    return new Weight(text, value);
  }

  /**
   * Whether two texts of the same weight agree to the precision of the coarser one: NEMU prints
   * 6 decimals ({@code 0.070885}) where SimPoint wrote {@code 0.0708853}; those agree. They
   * disagree when they differ by more than one unit in the last place of the coarser text.
   */
  public boolean agreesWith(Weight other) {
    BigDecimal tolerance = value.ulp().max(other.value.ulp());
    return value.subtract(other.value).abs().compareTo(tolerance) <= 0;
  }

  @Override
  public String toString() {
    return text;
  }
}
