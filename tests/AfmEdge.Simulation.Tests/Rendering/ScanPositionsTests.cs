using AfmEdge.Core;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;
using AfmEdge.Simulation.Tests.Specimens;
using AfmEdge.Simulation.Truth;

namespace AfmEdge.Simulation.Tests.Rendering;

public sealed class ScanPositionsTests
{
    [Theory]
    [InlineData(ScanDirection.Trace)]
    [InlineData(ScanDirection.Retrace)]
    public void TipPositions_NoPositionEffects_AreTheNominalGrid(ScanDirection direction)
    {
        var scan = TestScans.Square(10e-6, 32);

        var positions = IdealScan.TipPositions(scan, InstrumentOptions.TipOnly, direction);
        var nominal = ScanPositions.Nominal(scan);

        for (var p = 0; p < 32 * 32; p++)
        {
            Assert.Equal(nominal.U.Span[p], positions.U.Span[p], 1e-15);
            Assert.Equal(nominal.V.Span[p], positions.V.Span[p], 1e-15);
        }
    }

    [Fact]
    public void TipPositions_DriftOnly_TipSeesTheSpecimenVelocityTimesTimeBehind()
    {
        // 2 lines per second over 64 lines: the last pixel is passed about 32 s after the start.
        var scan = TestScans.Square(10e-6, 64, lineRate: 2);
        var instrument = InstrumentOptions.TipOnly with { Drift = new DriftOptions { VelocityX = 1e-9, VelocityY = -2e-9, VelocityZ = 0 } };

        var positions = IdealScan.TipPositions(scan, instrument, ScanDirection.Trace);

        var last = (64 * 64) - 1;
        var (du, dv) = positions.DisplacementAt(positions.U.Span[last], positions.V.Span[last]);
        Assert.InRange(du, -33e-9, -31e-9);
        Assert.InRange(dv, 62e-9, 66e-9);
        var (du0, dv0) = positions.DisplacementAt(positions.U.Span[0], positions.V.Span[0]);
        Assert.InRange(Math.Abs(du0), 0, 1e-9);
        Assert.InRange(Math.Abs(dv0), 0, 1e-9);
    }

    [Fact]
    public void TipPositions_DefaultInstrument_TraceAndRetraceStraddleHysteresisMidway()
    {
        var scan = TestScans.Square(20e-6, 64);
        var instrument = new InstrumentOptions();

        var trace = IdealScan.TipPositions(scan, instrument, ScanDirection.Trace);
        var retrace = IdealScan.TipPositions(scan, instrument, ScanDirection.Retrace);
        var midway = ScanPositions.Midway(trace, retrace);

        // Mid-line of row 40 the hysteresis loop is open widest (1 % of 20 µm: the trace 100 nm before, the retrace after).
        var p = (40 * 64) + 32;
        Assert.True(retrace.U.Span[p] - trace.U.Span[p] > 150e-9);
        Assert.InRange(midway.U.Span[p] - ((32 + 0.5) * scan.PixelSizeX), -40e-9, 40e-9);
    }

    [Fact]
    public void RenderCleanAndTruth_GivesWhatRenderCleanAndTruthMapsRenderGiveApart()
    {
        var specimen = new ChromosomeSpecimen(6, TestScans.QuickSpecimen);
        var scan = TestScans.Square(20e-6, 64);
        var positions = IdealScan.TipPositions(scan, new InstrumentOptions(), ScanDirection.Trace);

        var (clean, maps) = positions.RenderCleanAndTruth(specimen);
        var cleanAlone = positions.RenderClean(specimen);
        var mapsAlone = TruthMaps.Render(specimen, positions);

        foreach (var channel in cleanAlone.Channels)
        {
            Assert.Equal(channel.Data.ToArray(), clean.GetChannel(channel.Name).Data.ToArray());
        }

        Assert.Equal(mapsAlone.Labels.ToArray(), maps.Labels.ToArray());
        Assert.Equal(mapsAlone.Instances.ToArray(), maps.Instances.ToArray());
        Assert.Contains(maps.Instances.ToArray(), id => id > 0);
    }

    [Fact]
    public void Render_AtNominalPositions_MatchesTheGridRender()
    {
        var specimen = new ChromosomeSpecimen(6, TestScans.QuickSpecimen);
        var scan = TestScans.Square(20e-6, 128);
        var nominal = ScanPositions.Nominal(scan);

        var maps = TruthMaps.Render(specimen, nominal);
        var grid = TruthMaps.Render(specimen, scan);
        var clean = nominal.RenderClean(specimen);
        var cleanGrid = IdealScan.Render(specimen, scan, new InstrumentOptions(), new RenderOptions { Clean = true, IncludeRetrace = false });

        Assert.Equal(grid.Labels.ToArray(), maps.Labels.ToArray());
        Assert.Equal(grid.Instances.ToArray(), maps.Instances.ToArray());
        Assert.Contains(maps.Instances.ToArray(), id => id > 0);
        var height = clean.GetChannel("Height").Data.ToArray();
        var heightGrid = cleanGrid.GetChannel("Height").Data.ToArray();
        for (var p = 0; p < height.Length; p++)
        {
            Assert.Equal(heightGrid[p], height[p], 1e-12f);
        }
    }

    [Fact]
    public void Resampled_OntoAFinerGrid_CarriesTheDisplacement()
    {
        var coarse = TestScans.Square(10e-6, 16);
        var nominal = ScanPositions.Nominal(coarse);
        var u = nominal.U.ToArray();
        var v = nominal.V.ToArray();
        for (var p = 0; p < u.Length; p++)
        {
            u[p] += 30e-9;
            v[p] -= 10e-9 * (p / 16);
        }

        var fine = new ScanPositions(coarse, u, v).Resampled(TestScans.Square(10e-6, 32));

        Assert.Equal(32 * 32, fine.U.Length);
        Assert.Equal((0.5 * 10e-6 / 32) + 30e-9, fine.U.Span[0], 1e-15);
        // Fine row 17's centre lies a quarter of the way from coarse row 8 to row 9: 8.25 × 10 nm back.
        Assert.Equal(((17 + 0.5) * 10e-6 / 32) - 82.5e-9, fine.V.Span[17 * 32], 1e-13);
    }

    [Fact]
    public void Constructor_WrongLength_NamesTheCounts()
    {
        var scan = TestScans.Square(10e-6, 16);

        var exception = Assert.Throws<ArgumentException>(() => new ScanPositions(scan, new double[10], new double[256]));

        Assert.Contains("u 10", exception.Message, StringComparison.Ordinal);
    }
}
