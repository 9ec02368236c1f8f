using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AfmEdge.Cli;

/// <summary>
/// The machine a benchmark ran on, for its header line: the same build runs twice as fast on one 2-core machine as on
/// another (a Zen 5 against a Cascade Lake Xeon), so a figure is only read with the processor beside it.
/// </summary>
internal static class BenchMachine
{
    /// <summary>E.g. "2 cores, Intel(R) Xeon(R) Processor @ 2.50GHz, AVX-512 (.NET prefers 256-bit vectors)".</summary>
    public static string Describe() => Describe(Environment.ProcessorCount, ProcessorName(), VectorUnits());

    internal static string Describe(int cores, string? processor, string vectors) =>
        $"{cores} cores, {(string.IsNullOrWhiteSpace(processor) ? RuntimeInformation.ProcessArchitecture.ToString() : processor.Trim())}, {vectors}";

    /// <summary>The first "model name" of a /proc/cpuinfo text (x86 Linux); null where there is none (ARM kernels often omit it).</summary>
    internal static string? ModelName(IEnumerable<string> cpuinfoLines)
    {
        foreach (var line in cpuinfoLines)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim().Equals("model name", StringComparison.OrdinalIgnoreCase))
            {
                var name = line[(colon + 1)..].Trim();
                return name.Length > 0 ? name : null;
            }
        }

        return null;
    }

    private static string? ProcessorName()
    {
        try
        {
            return File.Exists("/proc/cpuinfo") ? ModelName(File.ReadLines("/proc/cpuinfo")) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    // What the processor offers and what .NET makes of it: on Intel cores that lower their clock for AVX-512 the runtime
    // prefers 256-bit vectors, which changes the speed of every Vector512.IsHardwareAccelerated path.
    private static string VectorUnits()
    {
        if (Avx512F.IsSupported)
        {
            return Vector512.IsHardwareAccelerated ? "AVX-512" : "AVX-512 (.NET prefers 256-bit vectors)";
        }

        return Avx2.IsSupported ? "AVX2" : Vector128.IsHardwareAccelerated ? "128-bit vectors" : "no vector unit";
    }
}
