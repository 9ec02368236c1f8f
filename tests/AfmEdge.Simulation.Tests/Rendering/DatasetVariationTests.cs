using AfmEdge.Simulation.Instrument;
using AfmEdge.Simulation.Rendering;
using AfmEdge.Simulation.Specimens;

namespace AfmEdge.Simulation.Tests.Rendering;

public sealed class DatasetVariationTests
{
    [Fact]
    public void InstrumentFor_Seeds_DrawnWithinRangesAndRepeatable()
    {
        var options = new DatasetOptions();
        var generator = new DatasetGenerator(options);
        var scan = new AfmEdge.Core.ScanSettings { SizeX = 10e-6, SizeY = 10e-6, PixelsX = 128, PixelsY = 128, LineRateHz = 2, Overscan = 0.05 };
        var variation = options.Variation!;
        var radii = new HashSet<double>();
        for (long seed = 1; seed <= 40; seed++)
        {
            var instrument = generator.InstrumentFor(seed);
            Assert.Equal(instrument, new DatasetGenerator(options).InstrumentFor(seed));
            Assert.Empty(instrument.Validate(scan));
            Assert.True(variation.TipRadius.Contains(instrument.Tip.ApexRadius));
            Assert.True(variation.Tilt.Contains(instrument.Tilt.SlopeX) && variation.Tilt.Contains(instrument.Tilt.SlopeY));
            Assert.True(variation.ProbeOffset.Contains(instrument.ProbeOffsets.Current.Dx));
            Assert.True(variation.ProbeOffset.Contains(instrument.ProbeOffsets.Potential.Dy));
            var speed = Math.Sqrt((instrument.Drift.VelocityX * instrument.Drift.VelocityX) + (instrument.Drift.VelocityY * instrument.Drift.VelocityY));
            Assert.InRange(speed, variation.DriftSpeed.Min, variation.DriftSpeed.Max * (1 + 1e-12));
            var gain = instrument.Feedback.IntegralGain / options.Instrument.Feedback.IntegralGain;
            Assert.InRange(gain, variation.GainScale.Min, variation.GainScale.Max);
            Assert.Equal(gain, instrument.Feedback.ProportionalGain / options.Instrument.Feedback.ProportionalGain, 9);
            var noise = instrument.Noise.Potential.White / options.Instrument.Noise.Potential.White;
            Assert.InRange(noise, variation.NoiseScale.Min, variation.NoiseScale.Max);
            Assert.Equal(noise, instrument.Noise.Height.RowOffset / options.Instrument.Noise.Height.RowOffset, 9);
            radii.Add(instrument.Tip.ApexRadius);
        }

        Assert.Equal(40, radii.Count);
    }

    [Fact]
    public void Generate_Variation_PairCarriesItsInstrumentAndScansWithIt()
    {
        var generator = new DatasetGenerator(new DatasetOptions { BaseSeed = 3 });
        var pair = generator.Generate(1);

        Assert.Equal(generator.InstrumentFor(pair.Seed), pair.Instrument);
        var fixedInstrument = new DatasetGenerator(new DatasetOptions { BaseSeed = 3, Variation = null }).Generate(1);
        Assert.Equal(new DatasetOptions().Instrument, fixedInstrument.Instrument);

        // Same specimen and clean target either way; the degraded scan differs with the instrument.
        Assert.True(pair.HighRes.Channels[0].Data.SequenceEqual(fixedInstrument.HighRes.Channels[0].Data));
        Assert.False(pair.LowRes.Channels[0].Data.SequenceEqual(fixedInstrument.LowRes.Channels[0].Data));
    }

    [Fact]
    public void Validate_BadVariation_NamesTheField()
    {
        var options = new DatasetOptions { Variation = new InstrumentVariation { TipRadius = new ValueRange(0, 10e-9), ProbeOffset = new ValueRange(-6e-6, 0) } };

        var errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("Variation.TipRadius", StringComparison.Ordinal));
        var exception = Assert.Throws<ArgumentException>(() => new DatasetGenerator(options with { Variation = new InstrumentVariation { ProbeOffset = new ValueRange(-6e-6, 0) } }));
        Assert.Contains("Variation.ProbeOffset", exception.Message, StringComparison.Ordinal);
    }
}
