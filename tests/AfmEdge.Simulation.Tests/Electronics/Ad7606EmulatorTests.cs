using System.Device.Spi;
using AfmEdge.Simulation.Electronics;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AfmEdge.Simulation.Tests.Electronics;

// Expectations below come from the AD7606 datasheet (rev. C): 16-bit two's complement, LSB = FSR/65536,
// RANGE high = ±10 V, BUSY high for tCONV after CONVST, output registers updated on BUSY's falling edge,
// reading while BUSY is high returns the previous conversion, RESET aborts a conversion.
public sealed class Ad7606EmulatorTests : IDisposable
{
    private static readonly TimeSpan ConversionTime = Ad7606Emulator.DefaultConversionTime;

    private readonly FakeTimeProvider _clock = new();
    private readonly FixedAnalogInputs _inputs = new();
    private readonly Ad7606Emulator _adc;
    private readonly EmulatedSpiDevice _spi;

    public Ad7606EmulatorTests()
    {
        _adc = new Ad7606Emulator(_inputs, _clock);
        _spi = new EmulatedSpiDevice(_adc, new SpiConnectionSettings(0, 1) { Mode = SpiMode.Mode2, ClockFrequency = 20_000_000 });
    }

    public void Dispose()
    {
        _spi.Dispose();
        _adc.Dispose();
    }

    [Fact]
    public void PowerUp_State_BusyLowResultsZeroRangeFiveVolts()
    {
        Assert.False(_adc.Busy);
        Assert.False(_adc.HasBeenReset);
        Assert.Equal(Ad7606Range.PlusMinus5V, _adc.Range);
        Assert.All(ReadAll(), code => Assert.Equal(0, code));
    }

    [Fact]
    public void DefaultConversionTime_IsFourMicroseconds()
    {
        Assert.Equal(4.0, ConversionTime.TotalMicroseconds, 9);
    }

    [Fact]
    public void Convst_RisingEdge_BusyHighForConversionTime()
    {
        Reset();
        _adc.SetConvst(true);
        Assert.True(_adc.Busy);

        _clock.Advance(ConversionTime - TimeSpan.FromTicks(1));
        Assert.True(_adc.Busy);

        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.False(_adc.Busy);
        Assert.Equal(1, _adc.Conversions);
    }

    [Fact]
    public void Read_AfterConversion_ReturnsTwosComplementMsbFirst()
    {
        _inputs[0] = 1.0;    // 1 V / 152.59 µV = 6553.6 → 6554 = 0x199A
        _inputs[1] = -1.0;   // −6554 = 0xE666
        _inputs[7] = -2.5;   // −16384 = 0xC000
        Reset();

        Convert();
        Span<byte> miso = stackalloc byte[Ad7606Emulator.FrameBytes];
        _spi.Read(miso);

        Assert.Equal(0x19, miso[0]);
        Assert.Equal(0x9A, miso[1]);
        Assert.Equal(0xE6, miso[2]);
        Assert.Equal(0x66, miso[3]);
        Assert.Equal(0xC0, miso[14]);
        Assert.Equal(0x00, miso[15]);
    }

    [Theory]
    [InlineData(false, 1.0, 6554)]
    [InlineData(true, 1.0, 3277)]
    [InlineData(false, 2.5, 16384)]
    [InlineData(true, 5.0, 16384)]
    [InlineData(true, -10.0, -32768)]
    [InlineData(false, -5.0, -32768)]
    [InlineData(true, 0.0, 0)]
    public void Range_Pin_ScalesCodes(bool rangeHigh, double volts, short expected)
    {
        _inputs.SetAll(volts);
        Reset();
        _adc.SetRange(rangeHigh);

        Convert();

        Assert.All(ReadAll(), code => Assert.Equal(expected, code));
    }

    [Theory]
    [InlineData(false, 5.0, short.MaxValue)]
    [InlineData(false, 7.3, short.MaxValue)]
    [InlineData(false, -5.1, short.MinValue)]
    [InlineData(true, 12.0, short.MaxValue)]
    [InlineData(true, -12.0, short.MinValue)]
    public void Input_BeyondFullScale_Clips(bool rangeHigh, double volts, short expected)
    {
        _inputs.SetAll(volts);
        Reset();
        _adc.SetRange(rangeHigh);

        Convert();

        Assert.All(ReadAll(), code => Assert.Equal(expected, code));
    }

    [Fact]
    public void Read_DuringBusy_ReturnsPreviousConversion()
    {
        Reset();
        _inputs.SetAll(1.0);
        Convert();
        short[] first = ReadAll();

        _inputs.SetAll(-3.0);
        _adc.SetConvst(false);
        _adc.SetConvst(true);
        Assert.True(_adc.Busy);
        short[] duringBusy = ReadAll();

        _clock.Advance(ConversionTime);
        short[] after = ReadAll();

        Assert.Equal(first, duringBusy);
        Assert.All(after, code => Assert.Equal(Ad7606Emulator.VoltageToCode(-3.0, Ad7606Range.PlusMinus5V), code));
    }

    [Fact]
    public void Inputs_ChangedAfterConvst_ResultHoldsSampledValue()
    {
        Reset();
        _inputs[3] = 2.0;
        _adc.SetConvst(true);
        _inputs[3] = -2.0;
        _clock.Advance(ConversionTime);

        Assert.Equal(Ad7606Emulator.VoltageToCode(2.0, Ad7606Range.PlusMinus5V), ReadAll()[3]);
    }

    [Fact]
    public void Range_SampledAtConversionStart()
    {
        _inputs.SetAll(1.0);
        Reset();
        _adc.SetConvst(true);
        _adc.SetRange(true);
        _clock.Advance(ConversionTime);

        Assert.Equal(6554, ReadAll()[0]);
        Assert.Equal(1, _adc.RangeChangesDuringConversion);
    }

    [Fact]
    public void Convst_WhileBusy_IgnoredAndCounted()
    {
        Reset();
        _adc.SetConvst(true);
        _adc.SetConvst(false);
        _adc.SetConvst(true);
        _clock.Advance(ConversionTime);

        Assert.Equal(1, _adc.IgnoredConvstEdges);
        Assert.Equal(1, _adc.Conversions);
        Assert.False(_adc.Busy);
    }

    [Fact]
    public void Reset_DuringConversion_AbortsAndClearsResults()
    {
        _inputs.SetAll(1.0);
        Reset();
        Convert();
        _adc.SetConvst(false);
        _adc.SetConvst(true);

        _adc.SetReset(true);

        Assert.False(_adc.Busy);
        Assert.Equal(1, _adc.AbortedConversions);
        _clock.Advance(ConversionTime);
        Assert.Equal(1, _adc.Conversions);
        Assert.All(ReadAll(), code => Assert.Equal(0, code));
    }

    [Fact]
    public void Convst_WhileResetHigh_Ignored()
    {
        _adc.SetReset(true);
        _adc.SetConvst(true);

        Assert.False(_adc.Busy);
        Assert.Equal(1, _adc.IgnoredConvstEdges);
    }

    [Fact]
    public void Conversion_BeforeFirstReset_RunsButIsCounted()
    {
        _inputs.SetAll(1.0);
        Convert();

        Assert.Equal(1, _adc.ConversionsWithoutReset);
        Assert.Equal(6554, ReadAll()[0]);

        Reset();
        _adc.SetConvst(false);
        Convert();
        Assert.Equal(1, _adc.ConversionsWithoutReset);
    }

    [Fact]
    public void Read_EachChannelFramedSeparately_MatchesSingleFrame()
    {
        for (int ch = 0; ch < Ad7606Emulator.ChannelCount; ch++)
        {
            _inputs[ch] = (ch - 3.5) * 1.1;
        }

        Reset();
        Convert();
        short[] single = ReadAll();

        _adc.SetConvst(false);
        Convert();
        var perChannel = new short[Ad7606Emulator.ChannelCount];
        Span<byte> word = stackalloc byte[2];
        for (int ch = 0; ch < perChannel.Length; ch++)
        {
            _spi.Read(word);
            perChannel[ch] = (short)((word[0] << 8) | word[1]);
        }

        Assert.Equal(single, perChannel);
        Assert.Equal(0, _adc.OverReadBytes);
    }

    [Fact]
    public void Read_PastV8_ReturnsZeroAndCounts()
    {
        _inputs.SetAll(-1.0);
        Reset();
        Convert();
        byte[] miso = new byte[Ad7606Emulator.FrameBytes + 4];

        _spi.Read(miso);

        Assert.Equal(new byte[4], miso[^4..]);
        Assert.Equal(4, _adc.OverReadBytes);
    }

    [Fact]
    public void Read_EndingInsideWord_NextReadStartsAtNextChannel()
    {
        _inputs[0] = 1.0;
        _inputs[1] = 2.0;
        Reset();
        Convert();

        _spi.ReadByte();
        Span<byte> word = stackalloc byte[2];
        _spi.Read(word);

        Assert.Equal(1, _adc.PartialReads);
        Assert.Equal(Ad7606Emulator.VoltageToCode(2.0, Ad7606Range.PlusMinus5V), (short)((word[0] << 8) | word[1]));
    }

    [Fact]
    public void StuckChannel_Fault_ReturnsFixedCode()
    {
        _inputs.SetAll(1.0);
        Reset();
        _adc.InjectStuckChannel(2, 0x1234);

        Convert();
        short[] codes = ReadAll();

        Assert.Equal(0x1234, codes[2]);
        Assert.Equal(6554, codes[1]);

        _adc.ClearChannelFault(2);
        _adc.SetConvst(false);
        Convert();
        Assert.Equal(6554, ReadAll()[2]);
    }

    [Theory]
    [InlineData(true, short.MaxValue)]
    [InlineData(false, short.MinValue)]
    public void Saturation_Fault_ReturnsFullScale(bool positive, short expected)
    {
        Reset();
        _adc.InjectSaturation(5, positive);

        Convert();

        Assert.Equal(expected, ReadAll()[5]);
    }

    [Fact]
    public void BusyNeverFalls_Fault_BusyStaysHighAndDataStale()
    {
        _inputs.SetAll(1.0);
        Reset();
        _adc.BusyFault = BusyFault.NeverFalls;

        _adc.SetConvst(true);
        _clock.Advance(TimeSpan.FromMilliseconds(10));

        Assert.True(_adc.Busy);
        Assert.Equal(0, _adc.Conversions);
        Assert.All(ReadAll(), code => Assert.Equal(0, code));

        _adc.BusyFault = BusyFault.None;
        Assert.False(_adc.Busy);
        Assert.Equal(6554, ReadAll()[0]);
    }

    [Fact]
    public void BusyNeverRises_Fault_BusyLowButConversionStillTakesTime()
    {
        _inputs.SetAll(1.0);
        Reset();
        _adc.BusyFault = BusyFault.NeverRises;

        _adc.SetConvst(true);
        Assert.False(_adc.Busy);
        Assert.Equal(0, ReadAll()[0]);

        _clock.Advance(ConversionTime);
        Assert.Equal(6554, ReadAll()[0]);
    }

    [Fact]
    public void SlowConversion_Fault_ExtendsBusy()
    {
        Reset();
        _adc.ExtraConversionDelay = TimeSpan.FromMicroseconds(50);

        _adc.SetConvst(true);
        _clock.Advance(ConversionTime);
        Assert.True(_adc.Busy);

        _clock.Advance(TimeSpan.FromMicroseconds(50));
        Assert.False(_adc.Busy);
    }

    [Fact]
    public void ClearFaults_RestoresHealthyBehaviour()
    {
        _inputs.SetAll(1.0);
        Reset();
        _adc.InjectStuckChannel(0, 7);
        _adc.ExtraConversionDelay = TimeSpan.FromSeconds(1);
        _adc.BusyFault = BusyFault.NeverRises;

        _adc.ClearFaults();
        Convert();

        Assert.Equal(6554, ReadAll()[0]);
        Assert.Equal(BusyFault.None, _adc.BusyFault);
    }

    [Fact]
    public void BusyChanged_ConversionEnds_RaisedByTimerWithoutPolling()
    {
        Reset();
        var levels = new List<bool>();
        _adc.BusyChanged += (_, level) => levels.Add(level);

        _adc.SetConvst(true);
        _clock.Advance(ConversionTime);

        Assert.Equal([true, false], levels);
    }

    [Fact]
    public void Faults_ChannelOutOfRange_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _adc.InjectStuckChannel(8, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => _adc.InjectSaturation(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _adc.ConversionTime = TimeSpan.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => _adc.ExtraConversionDelay = TimeSpan.FromTicks(-1));
    }

    [Theory]
    [InlineData(Ad7606Range.PlusMinus5V)]
    [InlineData(Ad7606Range.PlusMinus10V)]
    public void CodeToVoltage_RoundTrip_WithinHalfLsb(Ad7606Range range)
    {
        double lsb = 2 * Ad7606Emulator.FullScale(range) / 65536;
        for (double v = -Ad7606Emulator.FullScale(range); v < Ad7606Emulator.FullScale(range) - lsb; v += 0.0371)
        {
            double back = Ad7606Emulator.CodeToVoltage(Ad7606Emulator.VoltageToCode(v, range), range);
            Assert.InRange(back - v, -lsb / 2, lsb / 2);
        }
    }

    private void Reset()
    {
        _adc.SetReset(true);
        _adc.SetReset(false);
    }

    private void Convert()
    {
        _adc.SetConvst(true);
        _clock.Advance(ConversionTime);
        Assert.False(_adc.Busy);
    }

    private short[] ReadAll()
    {
        Span<byte> miso = stackalloc byte[Ad7606Emulator.FrameBytes];
        _spi.Read(miso);
        var codes = new short[Ad7606Emulator.ChannelCount];
        for (int ch = 0; ch < codes.Length; ch++)
        {
            codes[ch] = (short)((miso[2 * ch] << 8) | miso[(2 * ch) + 1]);
        }

        return codes;
    }
}
