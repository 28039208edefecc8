package dev.gcpt.pipeline.io;

import java.io.IOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line, with the likely fix, for an S3 failure instead of the AWS SDK's provider-chain dumps
 * (600 to 1,500 characters) and Flink's stack traces. Works on any exception chain, also one
 * that crossed a process boundary (Flink ships a TaskManager's exception to the client as text:
 * the classes are gone, the messages are not), so it matches on class names and messages.
 *
 * <p>Recognized: no credentials, no region, credentials refused (403), a bucket that does not
 * exist, an endpoint that does not answer or does not resolve, a bucket in another region. Other
 * failures are left alone ({@link #explain} is empty).
 */
public final class S3Errors {
  private static final Pattern NO_SUCH_BUCKET = Pattern.compile("(?i)the specified bucket does not exist");
  private static final Pattern BUCKET_IN_URI = Pattern.compile("s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/|\\b)");
  private static final Pattern CONNECT = Pattern.compile(
      "(?i)(?:Connect to|connect to) ([^ \\[]+)(?: \\[[^]]*])? failed: ([^(\\n]+)");
  private static final Pattern STATUS = Pattern.compile("Status Code: (\\d{3})");
  private static final int MAX_DETAIL = 120;

  private S3Errors() {}

  /**
   * The cause of {@code e} in one line with the fix, when it is an S3 failure gcpt knows; empty
   * otherwise.
   */
  public static Optional<String> explain(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      all.append(c.getClass().getName()).append(": ").append(c.getMessage()).append('\n');
      for (Throwable s : c.getSuppressed()) {
        all.append(s.getClass().getName()).append(": ").append(s.getMessage()).append('\n');
      }
    }
    String text = all.toString();
    if (text.contains("Unable to load credentials from any of the providers")
        || text.contains("Unable to load credentials from system settings")) {
      return Optional.of("no S3 credentials: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or use an AWS profile"
          + " or instance role); a Flink cluster's TaskManagers need them too (exported where they start, or sent"
          + " with --s3-credentials-to-workers)");
    }
    if (text.contains("Unable to load region")) {
      return Optional.of("no S3 region: give --s3-region (e.g. us-east-1) or export AWS_REGION; for an S3-compatible"
          + " server give --s3-endpoint http://host:port");
    }
    if (text.contains("InvalidAccessKeyId") || text.contains("SignatureDoesNotMatch")
        || text.contains("The AWS Access Key Id you provided does not exist")
        || text.contains("The request signature we calculated does not match")) {
      return Optional.of("S3 refused the credentials (" + (text.contains("SignatureDoesNotMatch")
          || text.contains("request signature") ? "wrong secret key" : "unknown access key")
          + "): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for this endpoint (--s3-endpoint)");
    }
    if (text.contains("NoSuchBucket") || NO_SUCH_BUCKET.matcher(text).find()) {
      Matcher m = BUCKET_IN_URI.matcher(text);
      String bucket = m.find() ? "'" + m.group(1) + "' " : "";
      return Optional.of("the S3 bucket " + bucket + "does not exist at this endpoint: create it, or check the URI"
          + " and --s3-endpoint");
    }
    if (text.contains("PermanentRedirect") || text.contains("AuthorizationHeaderMalformed")
        || text.contains("must be addressed using the specified endpoint")) {
      return Optional.of("the bucket is in another region: give its region with --s3-region");
    }
    Matcher connect = CONNECT.matcher(text);
    if (connect.find()) {
      return Optional.of("cannot connect to the S3 endpoint " + connect.group(1) + " (" + connect.group(2).strip()
          + "): is the server running? check --s3-endpoint");
    }
    if (text.contains("java.net.UnknownHostException")) {
      return Optional.of("the S3 endpoint's host does not resolve (" + detail(text, "java.net.UnknownHostException: ")
          + "): check --s3-endpoint; for a host name other than an IP address keep path-style on (--s3-path-style)");
    }
    if (text.contains("AccessDenied") || text.contains("Access Denied")) {
      return Optional.of("S3 denied access (403 AccessDenied): the credentials lack permission for this bucket or key");
    }
    Matcher status = STATUS.matcher(text);
    if (status.find() && text.contains("software.amazon.awssdk")) {
      String code = status.group(1);
      if (code.equals("403")) { // a HEAD request's answer has no body, so no error code
        return Optional.of("S3 refused the request (403 Forbidden): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            + " for this endpoint (--s3-endpoint), and that they may read and write the bucket");
      }
      return Optional.of("S3 answered " + code + ": " + detail(text, "S3Exception: "));
    }
    return Optional.empty();
  }

  /**
   * {@code e} as an {@link IOException} whose message is {@code what: } and the explanation, when
   * {@link #explain} knows it; else {@code e} itself (an IOException) or null (anything else: the
   * caller rethrows it).
   */
  public static IOException asIOException(String what, Throwable e) {
    Optional<String> line = explain(e);
    if (line.isPresent()) {
      return new IOException(what + ": " + line.get(), e);
    }
    return e instanceof IOException io ? io : null;
  }

  /** The first line after {@code marker} in {@code text}, shortened. */
  private static String detail(String text, String marker) {
    int i = text.indexOf(marker);
    String s = i < 0 ? text : text.substring(i + marker.length());
    int nl = s.indexOf('\n');
    s = (nl < 0 ? s : s.substring(0, nl)).strip();
    return s.length() > MAX_DETAIL ? s.substring(0, MAX_DETAIL) + "..." : s;
  }
}
