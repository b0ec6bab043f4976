"""The repositories @neuron_compiler needs, for a workspace that uses it.

In the consumer's WORKSPACE (Bazel 4.2.3 has no module resolution, so the
root workspace declares every repository):

    local_repository(
        name = "neuron_compiler",
        path = "/path/to/neuron-compiler",
    )

    load("@neuron_compiler//bazel:repositories.bzl", "neuron_compiler_dependencies")

    neuron_compiler_dependencies()

This declares, unless the workspace already has them:
  - @system: the Debian -dev packages under /usr (tools/setup.sh installs
    them), described by @neuron_compiler//third_party:system.BUILD;
  - @rules_cc, @rules_java, @remote_coverage_tools, @com_google_protobuf:
    the local stand-ins this project uses instead of the repositories Bazel
    would download (third_party/stub_repos/README.md), so the consumer's
    build never goes to the network either.
"""

def _neuron_compiler_root(repository_ctx):
    return repository_ctx.path(Label("//:WORKSPACE")).dirname

def _stub_repository_impl(repository_ctx):
    root = _neuron_compiler_root(repository_ctx)
    source = root.get_child("third_party").get_child("stub_repos").get_child(repository_ctx.attr.stub)
    if not source.exists:
        fail("@neuron_compiler has no stand-in repository %s" % source)
    for entry in source.readdir():
        repository_ctx.symlink(entry, entry.basename)

_stub_repository = repository_rule(
    implementation = _stub_repository_impl,
    attrs = {"stub": attr.string(mandatory = True)},
    local = True,
)

def neuron_compiler_dependencies():
    """Declares @system and the stand-in rule repositories (see above)."""
    existing = native.existing_rules()
    if "system" not in existing:
        native.new_local_repository(
            name = "system",
            build_file = "@neuron_compiler//third_party:system.BUILD",
            path = "/usr",
        )
    for stub in ["rules_cc", "rules_java", "remote_coverage_tools", "com_google_protobuf"]:
        if stub not in existing:
            _stub_repository(name = stub, stub = stub)
