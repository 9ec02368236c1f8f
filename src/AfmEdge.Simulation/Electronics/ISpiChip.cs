namespace AfmEdge.Simulation.Electronics;

/// <summary>
/// A chip on an emulated SPI bus. One call is one chip-select assertion: the chip sees the
/// falling edge of its select line, <c>mosi.Length * 8</c> clocks, then the rising edge.
/// </summary>
public interface ISpiChip
{
    /// <summary>
    /// Exchanges one frame. <paramref name="mosi"/> and <paramref name="miso"/> have the same length;
    /// every byte the chip does not drive is written as 0 (the line idles low on the emulated board).
    /// </summary>
    void Transfer(ReadOnlySpan<byte> mosi, Span<byte> miso);
}
