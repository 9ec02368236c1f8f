#!/usr/bin/env bash
# The ILGPU kernels and engines on a real GPU, from a machine that has .NET to one that has only a GPU driver.
#
#   native-kernels/gpu-check.sh pack   # here, in the repo root: builds the Gpu tests and the CLI for linux-x64 and packs
#                                      # them with this machine's .NET runtime into .gpu/gpu-check.tar.xz (~40 MB; .gpu/ must
#                                      # be git-ignored so that it travels only when carried)
#   native-kernels/gpu-check.sh run    # there, in the repo root, with .gpu carried: unpacks to /tmp and runs
#                                      #  1. every Category=Gpu test of AfmEdge.Kernels.Tests (processing kernels, the conv
#                                      #     kernels, IlgpuEngine and EnhancementAccelerator against the native engine),
#                                      #  2. the Category=Gpu tests of AfmEdge.EndToEnd.Tests (the host processing on the GPU,
#                                      #     and the host with Enhancement:Engine = ilgpu publishing the native frames ± 1e-4),
#                                      #  3. `afmedge bench enhance` for fusion4 at 256² and the 8×32 random network at 512²
#                                      #     with --accelerator cuda: the ILGPU row beside ONNX Runtime and the native engine;
#                                      #  4. `afmedge bench process --accelerator cuda` (each grid step, upload and download timed);
#                                      #  5. `afmedge bench pipeline` on two of its cores: the native engine, then ilgpu on the GPU,
#                                      #     then ilgpu with the processing chain's grid steps on the GPU as well.
# Logs go to $OUT (the device tool's folder) when it is set, else to .gpu/logs. A test that finds no GPU skips, so read
# the summary line's "Skipped": 0 means every Gpu test ran on the GPU.
set -uo pipefail
here=.gpu
case "${1:-}" in
pack)
    set -e
    rm -rf "$here/stage" "$here/gpu-check.tar.xz"
    mkdir -p "$here/stage"
    # One folder for both test programs and the CLI: they share every dependency (central package versions).
    dotnet publish tests/AfmEdge.Kernels.Tests -c Release -r linux-x64 --self-contained false -o "$here/stage/app" -v q -nologo
    dotnet publish tests/AfmEdge.EndToEnd.Tests -c Release -r linux-x64 --self-contained false -o "$here/stage/app" -v q -nologo
    # The muxer and the shared runtime only: the machine there has no .NET.
    root=$(dirname "$(readlink -f "$(command -v dotnet)")")
    runtime=$(ls -d "$root"/shared/Microsoft.NETCore.App/10.* | sort -V | tail -1)
    mkdir -p "$here/stage/dotnet/shared/Microsoft.NETCore.App" "$here/stage/dotnet/host"
    cp "$root/dotnet" "$here/stage/dotnet/"
    cp -r "$root/host/fxr" "$here/stage/dotnet/host/"
    cp -r "$runtime" "$here/stage/dotnet/shared/Microsoft.NETCore.App/"
    # Symbols and the coverage collector are not needed there.
    find "$here/stage" -name '*.pdb' -delete
    rm -rf "$here/stage/app/Microsoft.CodeCoverage"
    XZ_OPT='-6 -T0' tar -C "$here/stage" -cJf "$here/gpu-check.tar.xz" .
    rm -rf "$here/stage"
    ls -l "$here/gpu-check.tar.xz"
    ;;
run)
    logs=${OUT:-$here/logs}
    mkdir -p "$logs" /tmp/gpu-check
    tar -C /tmp/gpu-check -xJf "$here/gpu-check.tar.xz" || exit 1
    export DOTNET_ROOT=/tmp/gpu-check/dotnet PATH=/tmp/gpu-check/dotnet:$PATH DOTNET_CLI_TELEMETRY_OPTOUT=1
    # ILGPU asks the loader for "libcuda.so" (.NET's name probing), which driver-only machines may have only as libcuda.so.1.
    if ! ldconfig -p | grep -q 'libcuda\.so '; then
        driver=$( (ldconfig -p | awk '/libcuda\.so\.1 /{print $NF; exit}'; ls /usr/local/nvidia/lib64/libcuda.so.1 /usr/lib/x86_64-linux-gnu/libcuda.so.1 2>/dev/null) | head -1)
        if [ -n "$driver" ]; then
            mkdir -p /tmp/gpu-check/lib && ln -sf "$driver" /tmp/gpu-check/lib/libcuda.so
            export LD_LIBRARY_PATH=/tmp/gpu-check/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
        fi
    fi
    nvidia-smi -L 2>&1 | tee "$logs/gpu.txt"
    status=0
    (cd /tmp/gpu-check/app && dotnet AfmEdge.Kernels.Tests.dll -trait "Category=Gpu" -noColor 2>&1) | tee "$logs/kernels-tests.txt" | tail -40 || status=1
    (cd /tmp/gpu-check/app && dotnet AfmEdge.EndToEnd.Tests.dll -trait "Category=Gpu" -noColor 2>&1) | tee "$logs/e2e-tests.txt" | tail -20 || status=1
    cli=/tmp/gpu-check/app/afmedge.dll
    dotnet "$cli" bench enhance --model /tmp/gpu-check/app/models/fusion4.onnx --pixels 256 --threads 2 --budget-ms 2000 --accelerator cuda 2>&1 | tee "$logs/bench-fusion4-256.txt" || status=1
    dotnet "$cli" bench enhance --pixels 512 --threads 2 --budget-ms 2000 --accelerator cuda 2>&1 | tee "$logs/bench-random-512.txt" || status=1
    dotnet "$cli" bench process --sizes 512,1024 --budget-ms 200 --no-gwyddion --accelerator cuda 2>&1 | tee "$logs/bench-process-cuda.txt" || status=1
    # The issue's pipeline figure is for 2 cores: the same two cores (the virtual microscope, as the host's figure) with
    # the CNN on them, then the CNN on the GPU, then the processing chain's grid steps on the GPU too (a GPU board).
    # (Log names in letters, digits, '-', '_' and '.' only: the device tool returns no other.)
    for setup in native ilgpu ilgpu-cuda; do
        extra=()
        [ "$setup" = ilgpu-cuda ] && extra=(AfmEdge:Processing:Accelerator=cuda)
        taskset -c 0,1 dotnet "$cli" bench pipeline --frames 120 --stage-frames 16 \
            --set AfmEdge:Enhancement:Engine=${setup%%-*} "${extra[@]}" 2>&1 | tee "$logs/bench-pipeline-$setup.txt" || status=1
    done
    exit $status
    ;;
*)
    echo "usage: native-kernels/gpu-check.sh pack|run" >&2
    exit 2
    ;;
esac
