package dev.lgr.bench;

/** The yardstick for cold starts: a JVM that starts, prints one line and exits. */
public final class HelloWorld {
  private HelloWorld() {}

  public static void main(String[] args) {
    System.out.println("Hello, world!");
  }
}
