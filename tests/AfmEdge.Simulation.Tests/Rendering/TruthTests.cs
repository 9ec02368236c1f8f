using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;
using AfmEdge.Simulation.Tests.Specimens;
using AfmEdge.Simulation.Truth;
using Xunit;

namespace AfmEdge.Simulation.Tests.Rendering;

public sealed class TruthTests
{
    [Fact]
    public void ToJson_RoundTrips_WithCamelCaseNames()
    {
        var specimen = new ChromosomeSpecimen(6, TestScans.QuickSpecimen);
        var truth = SpecimenTruth.Compute(specimen, TestScans.Square(20e-6, 128), new InstrumentOptions(), clean: false);

        var json = truth.ToJson();
        var back = SpecimenTruth.FromJson(json);

        Assert.Contains("\"pooledRegions\"", json, StringComparison.Ordinal);
        Assert.Contains("\"pearsonR\"", json, StringComparison.Ordinal);
        Assert.Contains("\"centromericIndex\"", json, StringComparison.Ordinal);
        Assert.Contains("\"region\": \"centromere\"", json, StringComparison.Ordinal);
        Assert.Contains("\"apexRadius\"", json, StringComparison.Ordinal);
        Assert.Equal(truth.Chromosomes.Count, back.Chromosomes.Count);
        Assert.Equal(truth.Regions.Count, back.Regions.Count);
        Assert.Equal(truth.Regions[5], back.Regions[5]);
        Assert.Equal(truth.Instrument, back.Instrument);
        Assert.Equal(truth.Chromosomes[0].Axis, back.Chromosomes[0].Axis);
        Assert.Equal(truth.Scan, back.Scan);
        Assert.Equal(truth.Specimen, back.Specimen);
        Assert.Equal(truth.PooledRegions, back.PooledRegions);
    }

    [Fact]
    public void Compute_Chromosomes_GeometryMatchesLabelMaps()
    {
        var specimen = new ChromosomeSpecimen(6, TestScans.QuickSpecimen);
        var scan = TestScans.Square(20e-6, 256);
        var maps = TruthMaps.Render(specimen, scan);
        var truth = SpecimenTruth.Compute(specimen, scan, null, clean: true, maps: maps);

        foreach (var chromosome in truth.Chromosomes)
        {
            Assert.Equal(chromosome.Length, chromosome.PArmLength + chromosome.QArmLength, 12);
            Assert.True(chromosome.PArmLength < chromosome.QArmLength);
            Assert.Equal(chromosome.PixelCount, maps.Instances.ToArray().Count(id => id == chromosome.Id));

            // The centromere's pixel carries the centromere label of this chromosome (unless another lies on top).
            var i = (int)(chromosome.Centromere.X / scan.PixelSizeX);
            var j = (int)(chromosome.Centromere.Y / scan.PixelSizeY);
            if (maps.InstanceAt(i, j) == chromosome.Id)
            {
                Assert.Equal(SpecimenRegion.Centromere, maps.RegionAt(i, j));
            }

            Assert.Equal(33, chromosome.Axis.Count);
        }

        var labels = maps.LabelChannel();
        Assert.Equal("Labels", labels.Name);
        Assert.Equal(3f, labels.Data.ToArray().Max());
        Assert.Equal(truth.Chromosomes.Count, (int)maps.InstanceChannel().Data.ToArray().Max());
    }
}
