using Xunit;
using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;
using AfmEdge.Simulation.Tests.Specimens;

namespace AfmEdge.Simulation.Tests.Instrument;

public sealed class ValidationTests
{
    [Fact]
    public void Defaults_AreValid()
    {
        Assert.Empty(new InstrumentOptions().Validate(TestScans.Square(20e-6, 256)));
        Assert.Empty(InstrumentOptions.TipOnly.Validate());
        Assert.Empty(new SpecimenOptions().Validate());
        Assert.Empty(new VirtualMicroscopeOptions().Validate());
        Assert.Empty(new DatasetOptions().Validate());
    }

    [Fact]
    public void Validate_ZeroTipRadius_NamesTheField()
    {
        var options = new InstrumentOptions { Tip = new TipOptions { ApexRadius = 0 } };

        var error = Assert.Single(options.Validate());
        Assert.StartsWith("Tip.ApexRadius = 0: must be > 0", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ProbeOffsetBeyondScan_NamesTheField()
    {
        var options = new InstrumentOptions { ProbeOffsets = new ProbeOffsetOptions { Current = new ProbeOffset { Dx = 30e-6 } } };

        var error = Assert.Single(options.Validate(TestScans.Square(20e-6, 64)));
        Assert.Contains("ProbeOffsets.Current.Dx = 3E-05 m: larger than the scan's SizeX", error, StringComparison.Ordinal);
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(-1.01)]
    [InlineData(double.NaN)]
    public void Validate_CorrelationOutsideUnitRange_NamesTheField(double r)
    {
        var fields = new FieldOptions { Current = new FieldOptions().Current with { PArm = new RegionField { Mean = 1e-12, Scale = 1e-12, Correlation = r } } };
        var options = new SpecimenOptions { Fields = fields };

        var error = Assert.Single(options.Validate());
        Assert.StartsWith("Fields.Current.PArm.Correlation = ", error, StringComparison.Ordinal);
        Assert.Contains("|r| must be <= 1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NegativeSizes_NameTheFields()
    {
        var options = new SpecimenOptions { FieldSizeX = -20e-6, Width = new ValueRange(1e-6, 0.5e-6) };

        var errors = options.Validate();
        Assert.Contains(errors, e => e.StartsWith("FieldSizeX = -2E-05 m: must be a positive length", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Width = [1E-06, 5E-07] m: Min and Max must be finite with Min <= Max", StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_InvalidSpecimenOptions_ThrowsArgumentExceptionListingFields()
    {
        var exception = Assert.Throws<ArgumentException>(() => new ChromosomeSpecimen(1, new SpecimenOptions { FieldSizeY = 0, ReferenceGridPixels = 8 }));

        Assert.Contains("FieldSizeY = 0 m", exception.Message, StringComparison.Ordinal);
        Assert.Contains("ReferenceGridPixels = 8", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_InvalidInstrument_ThrowsButCleanRenderIgnoresInstrument()
    {
        var bad = new InstrumentOptions { Tip = new TipOptions { ApexRadius = -1e-9 }, Feedback = new FeedbackOptions { IntegralGain = 0 } };
        var scan = TestScans.Square(4e-6, 16);
        var specimen = new StepSpecimen(2e-6, 10e-9);

        var exception = Assert.Throws<ArgumentException>(() => IdealScan.Render(specimen, scan, bad));
        Assert.Contains("Tip.ApexRadius = -1E-09", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Feedback.IntegralGain = 0", exception.Message, StringComparison.Ordinal);
        Assert.Equal(16, IdealScan.Render(specimen, scan, bad, new RenderOptions { Clean = true }).Width);
    }

    [Fact]
    public void Render_InvalidScan_ThrowsNamingTheScanField()
    {
        var scan = TestScans.Square(4e-6, 16) with { SizeX = -1 };

        var exception = Assert.Throws<ArgumentException>(() => IdealScan.Render(new StepSpecimen(0, 1e-9), scan, new InstrumentOptions()));
        Assert.Contains("SizeX = -1", exception.Message, StringComparison.Ordinal);
    }
}
