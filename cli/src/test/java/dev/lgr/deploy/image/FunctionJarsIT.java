package dev.lgr.deploy.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner function's jars that lgr bundles (cli/pom.xml's lambda-lib executions pick them by
 * group) are exactly what the lambda-handlers shaded jar holds, class by class: none missing (the
 * function would fail in Lambda), none extra (the image would carry dead weight).
 */
class FunctionJarsIT {
  @TempDir Path cache;

  @Test
  void theBundledJars_holdTheClassesOfTheDeployedHandlerJar_andNothingElse() throws Exception {
    Path shaded = Path.of(System.getProperty("lgr.lambdaJar", "target/lambda-handlers-lambda.jar"));
    assertThat(shaded).as("the lambda-handlers shaded jar, copied by cli/pom.xml").exists();
    Set<String> deployed = classes(shaded);

    FunctionJars jars = FunctionJars.bundled(cache);
    List<Path> all = new ArrayList<>(jars.dependencies());
    all.add(jars.function());
    Map<String, Set<String>> bundled = new TreeMap<>();
    Set<String> union = new TreeSet<>();
    for (Path jar : all) {
      Set<String> classes = classes(jar);
      bundled.put(jar.getFileName().toString(), classes);
      union.addAll(classes);
    }

    Set<String> missing = new TreeSet<>(deployed);
    missing.removeAll(union);
    assertThat(packages(missing))
        .as(
            "packages of the handler jar that no bundled jar holds: add their groups to"
                + " lambda-lib-deps in cli/pom.xml")
        .isEmpty();
    List<String> extra = new ArrayList<>();
    bundled.forEach(
        (name, classes) -> {
          if (!classes.isEmpty() && classes.stream().noneMatch(deployed::contains)) {
            extra.add(name);
          }
        });
    assertThat(extra)
        .as("bundled jars the handler jar does not use: exclude them in cli/pom.xml")
        .isEmpty();
    assertThat(jars.function().getFileName().toString()).startsWith("lambda-handlers-");
    assertThat(bundled.get(jars.function().getFileName().toString()))
        .contains("dev/lgr/lambda/runner/RunnerFunction.class");
  }

  @Test
  void theBundledJars_areCopiedOnce_andKeepTheirModificationTime() throws Exception {
    FunctionJars first = FunctionJars.bundled(cache);
    var modified = Files.getLastModifiedTime(first.function());
    Thread.sleep(20);
    FunctionJars second = FunctionJars.bundled(cache);

    assertThat(second).isEqualTo(first);
    assertThat(Files.getLastModifiedTime(second.function())).isEqualTo(modified);
  }

  private static Set<String> classes(Path jar) throws IOException {
    Set<String> classes = new TreeSet<>();
    try (JarFile file = new JarFile(jar.toFile())) {
      for (Enumeration<JarEntry> entries = file.entries(); entries.hasMoreElements(); ) {
        String name = entries.nextElement().getName();
        if (name.endsWith(".class") && !name.endsWith("module-info.class")) {
          classes.add(name);
        }
      }
    }
    return classes;
  }

  private static Set<String> packages(Set<String> classes) {
    Set<String> packages = new TreeSet<>();
    try (Stream<String> names = classes.stream()) {
      names.forEach(c -> packages.add(c.substring(0, Math.max(0, c.lastIndexOf('/')))));
    }
    return packages;
  }
}
