using AfmEdge.Analysis.Segmentation;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Analysis.Tests;

/// <summary>
/// The touching splitter measures its candidate pieces on a frame-sized grid taken from <see cref="ZeroedGrids"/> and
/// clears only its object's box before giving it back: every grid there must be all zero again, or the next attempt's
/// pieces would be measured with another object's pixels.
/// </summary>
public sealed class TouchingScratchTests
{
    [Fact]
    public void Split_TouchingPair_GivesItsGridBackAllZero()
    {
        var scan = SimulatedScan.Create(1, 512, options: new SpecimenOptions
        {
            ChromosomeCountMin = 2,
            ChromosomeCountMax = 2,
            TouchProbability = 1,
            Touch = TouchKind.Contact,
        });

        var analysis = new ChromosomeAnalyzer().Analyze(scan.Frame);
        Assert.Equal(2, analysis.Chromosomes.Count);

        // The attempt's grid is the last one given back (the pool is a stack); any other there must be zero as well.
        var grid = ZeroedGrids.Rent(512 * 512);
        try
        {
            Assert.Equal(-1, grid.AsSpan().IndexOfAnyExcept(0));
        }
        finally
        {
            ZeroedGrids.Return(grid);
        }
    }
}
