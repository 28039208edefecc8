package dev.gcpt.core.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EndpointTest {
  @Test
  void parsesUnixAndTcpForms() {
    assertEquals(Endpoint.unix(Path.of("/tmp/q.sock")), Endpoint.parse("unix:/tmp/q.sock"));
    assertEquals(Endpoint.unix(Path.of("/tmp/q.sock")), Endpoint.parse("/tmp/q.sock"));
    assertEquals(Endpoint.tcp("127.0.0.1", 1234), Endpoint.parse("127.0.0.1:1234"));
    assertEquals(Endpoint.tcp("localhost", 4444), Endpoint.parse("tcp:localhost:4444"));
    assertEquals("unix:/tmp/q.sock", Endpoint.parse("unix:/tmp/q.sock").toString());
  }

  @Test
  void rejectsWhatIsNoEndpoint() {
    assertEquals("not an endpoint (unix:PATH or HOST:PORT): 'gdb'",
        assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("gdb")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("host:99999"));
    assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("host:x"));
  }
}
