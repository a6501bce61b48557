# The Native AOT build of a Firehose processor, which sam build runs when the stack is deployed with
# ProcessorBuild=native-aot (the template's <Processor>AotFunction has Metadata BuildMethod makefile; ADR 0019).
# Included by src/<Processor>/Makefile, which names PROJECT and PROJECT_DIR. Native AOT compiles for one
# architecture and links with the build host's C toolchain: run it on arm64 Linux (the template's architecture)
# with the .NET 10 SDK and clang, or pass RID=linux-x64 for x86_64 functions. AOT_FLAGS passes more, e.g.
# AOT_FLAGS=-p:CppCompilerAndLinker=gcc where gcc, not clang, is the linker.
RID ?= linux-arm64
AOT_FLAGS ?=

.PHONY: native-aot
native-aot:
	dotnet publish "$(PROJECT_DIR)$(PROJECT).csproj" -c Release -r $(RID) -p:NativeAot=true $(AOT_FLAGS) -o "$(ARTIFACTS_DIR)"
	rm -f "$(ARTIFACTS_DIR)"/*.dbg "$(ARTIFACTS_DIR)"/*.pdb
