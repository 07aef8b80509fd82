package io.pgrwl.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rooms of pgrwl-server and the one direction of their doors (README "Architecture"):
 * cli → mode → http → upload / serve → archive → config → support, with restore (the restore-command client) beside
 * them, reaching only support. Checked on the compiled classes, so a new import that breaks the picture fails the
 * build.
 */
class ArchitectureTest {

    private static final String ROOT = "io.pgrwl.server";
    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        // the compiled main classes, read from the build directory (the tests run on the module path, where a
        // package scan through the class loader does not see them)
        Path compiled = Path.of("target", "classes");
        assertTrue(Files.isDirectory(compiled.resolve("io/pgrwl/server")), "run from pgrwl-server after compiling");
        classes = new ClassFileImporter().importPath(compiled);
        assertTrue(classes.size() > 40, "found only " + classes.size() + " classes");
    }

    @Test
    void packagesDependOnEachOtherInOneDirection() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy(ROOT + ".cli..")
                .layer("aot").definedBy(ROOT + ".aot..")
                .layer("mode").definedBy(ROOT + ".mode..")
                .layer("http").definedBy(ROOT + ".http..")
                .layer("verify").definedBy(ROOT + ".verify..")
                .layer("backup").definedBy(ROOT + ".backup..")
                .layer("upload").definedBy(ROOT + ".upload..")
                .layer("serve").definedBy(ROOT + ".serve..")
                .layer("restore").definedBy(ROOT + ".restore..")
                .layer("archive").definedBy(ROOT + ".archive..")
                .layer("builtin").definedBy(ROOT + ".builtin..")
                .layer("config").definedBy(ROOT + ".config..")
                .layer("logging").definedBy(ROOT + ".logging..")
                .layer("support").definedBy(ROOT + ".support..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("aot").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("restore").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("mode").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("http").mayOnlyBeAccessedByLayers("mode")
                .whereLayer("verify").mayOnlyBeAccessedByLayers("cli", "mode", "http")
                .whereLayer("backup").mayOnlyBeAccessedByLayers("cli", "mode", "http", "verify")
                .whereLayer("upload").mayOnlyBeAccessedByLayers("mode", "http")
                .whereLayer("serve").mayOnlyBeAccessedByLayers("mode", "http")
                .whereLayer("archive").mayOnlyBeAccessedByLayers("cli", "mode", "http", "upload", "serve", "backup",
                        "verify")
                // the built-in providers are found by ServiceLoader, like plugins: nothing names them
                .whereLayer("builtin").mayNotBeAccessedByAnyLayer()
                .whereLayer("config").mayOnlyBeAccessedByLayers("cli", "mode", "http", "archive", "logging", "backup")
                .whereLayer("logging").mayOnlyBeAccessedByLayers("cli", "mode")
                .check(classes);
    }

    @Test
    void noPackageCycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void onlyHttpUsesHelidon() {
        noClasses().that().resideOutsideOfPackage(ROOT + ".http..")
                .should().dependOnClassesThat().resideInAPackage("io.helidon..")
                .because("the web server is one room: the rest of pgrwl works without it").check(classes);
    }

    @Test
    void restoreCommandClientNeedsNeitherHelidonNorYamlNorTheReceiver() {
        // restore-command runs once per WAL segment during a recovery: what it loads is start-up time
        noClasses().that().resideInAPackage(ROOT + ".restore..")
                .should().transitivelyDependOnClassesThat()
                .resideInAnyPackage("io.helidon..", "org.yaml..", "org.postgresql..", "io.pgrwl.receiver..",
                        ROOT + ".config..", ROOT + ".archive..")
                .check(classes);
    }

    @Test
    void noPackageHoldsMoreThanTwentyTopLevelClasses() {
        Map<String, Long> sizes = classes.stream().filter(JavaClass::isTopLevelClass)
                .filter(c -> c.getPackageName().startsWith(ROOT))
                .collect(Collectors.groupingBy(JavaClass::getPackageName, TreeMap::new, Collectors.counting()));
        assertEquals(Map.of(), sizes.entrySet().stream().filter(e -> e.getValue() > 20)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), "packages over 20 classes: "
                + sizes);
        assertTrue(sizes.size() >= 10, "expected the server's rooms, found " + sizes.keySet());
    }
}
