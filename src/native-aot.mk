# The Native AOT build of a Firehose processor, for sam build (the template's <Processor>AotFunction has Metadata
# BuildMethod makefile; ADR 0019). Included by src/<Processor>/NativeAot/Makefile, which names PROJECT and
# PROJECT_DIR (the project's folder).
#
# sam build builds every function of the template, whatever its Condition. With the default ProcessorBuild=managed
# the twins are not deployed, and their package is a stand-in bootstrap that says how it was built and exits 1.
# DYNAMOLAKE_PROCESSOR_BUILD=native-aot in sam build's environment builds the real one: Native AOT compiles for one
# architecture and links with the build host's C toolchain, so run it on arm64 Linux (the template's architecture)
# with the .NET 10 SDK and clang, or pass RID=linux-x64 for x86_64 functions. AOT_FLAGS passes more, e.g.
# AOT_FLAGS=-p:CppCompilerAndLinker=gcc where gcc, not clang, is the linker.
DYNAMOLAKE_PROCESSOR_BUILD ?= managed
RID ?= linux-arm64
AOT_FLAGS ?=

.PHONY: native-aot
native-aot:
ifeq ($(DYNAMOLAKE_PROCESSOR_BUILD),native-aot)
	dotnet publish "$(PROJECT_DIR)$(PROJECT).csproj" -c Release -r $(RID) -p:NativeAot=true $(AOT_FLAGS) -o "$(ARTIFACTS_DIR)"
	rm -f "$(ARTIFACTS_DIR)"/*.dbg "$(ARTIFACTS_DIR)"/*.pdb
else
	mkdir -p "$(ARTIFACTS_DIR)"
	printf '#!/bin/sh\necho "this package was built without DYNAMOLAKE_PROCESSOR_BUILD=native-aot: build it with that set to deploy ProcessorBuild=native-aot (docs/functions.md)" >&2\nexit 1\n' > "$(ARTIFACTS_DIR)/bootstrap"
	chmod +x "$(ARTIFACTS_DIR)/bootstrap"
endif
