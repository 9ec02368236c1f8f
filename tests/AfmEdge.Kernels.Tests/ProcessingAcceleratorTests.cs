using AfmEdge.Processing;

namespace AfmEdge.Kernels.Tests;

/// <summary>The accelerator names of AfmEdge:Processing:Accelerator and the chain's device over ILGPU's CPU accelerator.</summary>
public sealed class ProcessingAcceleratorTests
{
    [Fact]
    public void Open_Cpu_ReturnsNoDeviceForTheSimdCode()
    {
        Assert.Null(ProcessingAccelerator.Open(ProcessingAccelerator.Cpu, out var choice));
        Assert.Equal("cpu (SIMD code)", choice);
    }

    [Fact]
    public void Open_UnknownName_ThrowsListingTheNames()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ProcessingAccelerator.Open("gpu", out _));
        Assert.Contains("cpu, auto, cuda, opencl, ilgpu-cpu", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IlgpuCpu_SliceOfALargerBuffer_MatchesSimdThenRefusesAfterDispose()
    {
        const int w = 12, h = 10;
        var device = ProcessingAccelerator.Open(ProcessingAccelerator.IlgpuCpu, out _)!;
        var operation = new GaussianFilter(1.2);
        // The chain hands over slices of pooled buffers, longer than the grid.
        var buffer = new float[(w * h) + 7];
        Grids.Field(w, h, 21).CopyTo(buffer, 0);
        var output = new float[w * h];

        using (device)
        {
            Assert.Equal(ProcessingAccelerator.IlgpuCpu, device.Name);
            Assert.False(device.IsGpu);
            Assert.True(device.TryRun(operation, buffer.AsSpan(0, w * h), output, w, h, null));
            Grids.AssertClose(Grids.Run(operation, buffer[..(w * h)], w, h), output);
            Assert.False(device.TryRun(new RowAlignment(RowAlignmentMethod.Median), buffer.AsSpan(0, w * h), output, w, h, new byte[w * h]));
            Assert.Throws<ArgumentException>(() => device.TryRun(operation, buffer, output, w, h, null));
        }

        Assert.Throws<ObjectDisposedException>(() => device.TryRun(operation, buffer.AsSpan(0, w * h), output, w, h, null));
        device.Dispose();
    }
}
