using System.Diagnostics;
using AfmEdge.EndToEnd.Tests.Support;

namespace AfmEdge.EndToEnd.Tests;

public sealed class PublishScriptTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task PublishScript_LinuxArm64_ProducesSelfContainedAarch64Build()
    {
        var token = TestContext.Current.CancellationToken;
        var root = Scratch.Folder("afmedge-publish-");
        try
        {
            await PublishAndCheckAsync(Path.Combine(root.FullName, "linux-arm64"), token);
        }
        finally
        {
            // A self-contained build is about 100 MB.
            root.Delete(recursive: true);
        }
    }

    private static async Task PublishAndCheckAsync(string outDir, CancellationToken token)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(TestPaths.RepositoryRoot, "deploy", "publish.sh"), "linux-arm64", outDir])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(token);
        var stderr = process.StandardError.ReadToEndAsync(token);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(token))
        {
            timeout.CancelAfter(TimeSpan.FromMinutes(10));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
        }

        string log = await stdout + await stderr;
        Assert.True(process.ExitCode == 0, log);
        Assert.Contains("published " + outDir, log, StringComparison.Ordinal);

        // The apphost is an AArch64 ELF executable (e_machine 0xB7 at offset 18, little-endian).
        string apphost = Path.Combine(outDir, "afmedge");
        Assert.True(File.Exists(apphost), "afmedge apphost missing");
        var header = new byte[20];
        await using (var file = File.OpenRead(apphost))
        {
            await file.ReadExactlyAsync(header, token);
        }

        Assert.Equal("\u007fELF"u8.ToArray(), header[..4]);
        Assert.Equal(0xB7, BitConverter.ToUInt16(header, 18));

        // Self-contained: the runtime travels with it; the board configs are beside it.
        Assert.True(File.Exists(Path.Combine(outDir, "afmedge.dll")));
        Assert.True(File.Exists(Path.Combine(outDir, "libcoreclr.so")));
        Assert.True(File.Exists(Path.Combine(outDir, "device-config", "default.json")));
        Assert.True(File.Exists(Path.Combine(outDir, "device-config", "raspberry-pi-5.json")));

        // Enhancement:Engine "ort" runs ONNX Runtime, so its native library ships, built for the board.
        var onnxRuntime = Path.Combine(outDir, "libonnxruntime.so");
        Assert.True(File.Exists(onnxRuntime), "libonnxruntime.so missing: the ort engine would not load on the board");
        await using (var file = File.OpenRead(onnxRuntime))
        {
            await file.ReadExactlyAsync(header, token);
        }

        Assert.Equal(0xB7, BitConverter.ToUInt16(header, 18));
        Assert.True(File.Exists(Path.Combine(outDir, "models", "fusion4.onnx")), "the bundled models must travel with the build");
    }
}
