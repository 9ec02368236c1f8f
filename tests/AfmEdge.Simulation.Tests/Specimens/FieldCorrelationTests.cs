using Xunit;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;
using AfmEdge.Simulation.Truth;

namespace AfmEdge.Simulation.Tests.Specimens;

public sealed class FieldCorrelationTests
{
    private const double Tolerance = 0.03;

    public static TheoryData<long, int> Cases => new()
    {
        { 1, 512 },   // the specimen's reference grid
        { 2, 256 },   // half as fine
        { 3, 384 },   // in between
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void CleanFields_PooledPerRegion_MeetRequestedCorrelationAndMean(long seed, int pixels)
    {
        var specimen = new ChromosomeSpecimen(seed, new SpecimenOptions());
        var scan = TestScans.Square(20e-6, pixels);
        var truth = SpecimenTruth.Compute(specimen, scan, null, clean: true);

        var checkedRegions = 0;
        foreach (var region in truth.PooledRegions.Where(r => r.Channel != SimulatedChannels.Height))
        {
            var requested = specimen.Options.Fields.For(region.Channel).For(region.Region);
            Assert.NotNull(region.PearsonR);
            Assert.True(Math.Abs(region.PearsonR.Value - requested.Correlation) <= Tolerance,
                $"{region.Channel} over {region.Region}: r = {region.PearsonR:F4}, requested {requested.Correlation} ({region.PixelCount} px)");
            Assert.True(Math.Abs(region.Mean - requested.Mean) <= 0.1 * requested.Scale + 1e-30,
                $"{region.Channel} over {region.Region}: mean {region.Mean}, requested {requested.Mean}");
            checkedRegions++;
        }

        Assert.Equal(12, checkedRegions);
    }

    [Theory]
    [InlineData(1, 512)]
    [InlineData(1, 256)]
    [InlineData(4, 512)]
    [InlineData(4, 256)]
    public void CleanFields_PerChromosomeRegion_MeetRequestedCorrelationOnReferenceGridAndItsHalf(long seed, int pixels)
    {
        // The default specimen: reference grid 512 over its 20 µm field, so 512² and 256² scans of the field are both exact.
        var specimen = new ChromosomeSpecimen(seed, new SpecimenOptions());
        var truth = SpecimenTruth.Compute(specimen, TestScans.Square(20e-6, pixels), null, clean: true);

        var groups = truth.Regions.Where(r => r.Channel != SimulatedChannels.Height && r.PixelCount >= 20).ToList();
        Assert.True(groups.Count >= 3 * 3 * 4, $"only {groups.Count} chromosome regions");
        foreach (var group in groups)
        {
            Assert.True(Math.Abs(group.PearsonR!.Value - group.RequestedPearsonR!.Value) <= Tolerance,
                $"chromosome {group.ChromosomeId} {group.Channel} over {group.Region} ({group.PixelCount} px): r = {group.PearsonR:F4}, requested {group.RequestedPearsonR}");
        }
    }

    [Fact]
    public void CleanFields_PerChromosomeRegion_MeetRequestedCorrelationOnReferenceGrid()
    {
        var specimen = new ChromosomeSpecimen(8, new SpecimenOptions { ReferenceGridPixels = 256 });
        var truth = SpecimenTruth.Compute(specimen, TestScans.Square(20e-6, 256), null, clean: true);

        var groups = truth.Regions.Where(r => r.Channel != SimulatedChannels.Height && r.PixelCount >= 30).ToList();
        Assert.NotEmpty(groups);
        foreach (var group in groups)
        {
            Assert.True(Math.Abs(group.PearsonR!.Value - group.RequestedPearsonR!.Value) <= Tolerance,
                $"chromosome {group.ChromosomeId} {group.Channel} over {group.Region}: r = {group.PearsonR:F4}, requested {group.RequestedPearsonR}");
        }
    }

    [Fact]
    public void CleanFields_CustomCorrelations_AreMet()
    {
        var fields = new FieldOptions
        {
            Potential = new ChannelField
            {
                Background = new RegionField { Mean = 0, Scale = 0.01, Correlation = -0.8 },
                PArm = new RegionField { Mean = 0.2, Scale = 0.05, Correlation = 0.95 },
                Centromere = new RegionField { Mean = 0.1, Scale = 0.05, Correlation = -0.9 },
                QArm = new RegionField { Mean = 0.3, Scale = 0.05, Correlation = 0.0 },
            },
        };
        var specimen = new ChromosomeSpecimen(30, new SpecimenOptions { Fields = fields, ChromosomeCountMin = 5 });
        var truth = SpecimenTruth.Compute(specimen, TestScans.Square(20e-6, 320), InstrumentOptions.TipOnly, clean: true);

        foreach (var region in truth.PooledRegions.Where(r => r.Channel == SimulatedChannels.Potential))
        {
            var requested = fields.Potential.For(region.Region).Correlation;
            Assert.True(Math.Abs(region.PearsonR!.Value - requested) <= Tolerance, $"{region.Region}: r = {region.PearsonR:F4}, requested {requested}");
        }
    }
}
