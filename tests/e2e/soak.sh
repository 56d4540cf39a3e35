#!/usr/bin/env bash
# End to end: a 10 s soak (bench/soak.sh -d 10). cps-gen makes GETs, closed
# by the client and by the server in turn, and floods spoofed SYNs, RSTs
# and ACKs at two workers over net_memif; afterwards no connection, entry
# or mbuf may be left, and every connection must be accounted for.
#
#   soak.sh   (meson passes PCL_BIN, PCL_GEN and PCL_SRC in the environment)
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/tests/e2e/common.sh"
pcl_e2e_begin
"$PCL_ROOT/bench/soak.sh" -d 10
