# SPDX-License-Identifier: Apache-2.0
# The front door. Everything real lives in meson.build and scripts/.
#   make          build volattach (build/volattach)
#   make demo     the lab demo: the seed's volume attached for real in a qemu guest
#   make check    every test (installs what it needs; this is what CI runs)
#   make windows  volattach.exe and the MSI, cross-built with mingw-w64
#   make bench    the benchmarks (not pass/fail)
.PHONY: all demo check windows bench fuzz clean

all:
	scripts/deps.sh core
	scripts/build.sh release

demo: all
	tests/lab/demo.sh

check:
	scripts/check.sh

windows:
	scripts/deps.sh core windows
	scripts/build-windows.sh

bench: all
	bench/run.sh

fuzz:
	scripts/deps.sh core
	scripts/fuzz.sh 300

clean:
	rm -rf build build-* 
