using System.Device.Spi;
using AfmEdge.Control.Board;
using AfmEdge.Core;
using AfmEdge.Hardware;
using AfmEdge.Simulation.VirtualAfm;

namespace AfmEdge.Control.Tests.Board;

public sealed class BoardScannerTests
{
    private static readonly Func<string, bool> AllDevicesPresent = _ => true;

    [Fact]
    public async Task Open_BoardWiredLikeTheVirtualAfm_ScansAFrameThroughItsChips()
    {
        using var bench = new Bench();
        var scan = new ScanSettings { SizeX = 2e-6, SizeY = 2e-6, PixelsX = 16, PixelsY = 16, LineRateHz = 10 };

        using (var scanner = bench.Open(VirtualWiredBoard(scan), scan))
        {
            var lines = System.Threading.Channels.Channel.CreateUnbounded<ScanLine>();
            await scanner.RunAsync(lines.Writer, 1, TestContext.Current.CancellationToken);
            lines.Writer.Complete();
            var heights = new List<float>();
            int count = 0;
            await foreach (var line in lines.Reader.ReadAllAsync(TestContext.Current.CancellationToken))
            {
                count++;
                heights.AddRange(line.Samples(0).ToArray());
                line.Return();
            }

            Assert.Equal(16, count);
            Assert.Equal(
                ["Height", "Deflection", "Current", "Potential", "Adhesion", "Height-retrace", "Deflection-retrace", "Current-retrace", "Potential-retrace", "Adhesion-retrace"],
                scanner.Channels.Select(c => c.Key));
            Assert.Equal(PhysicalUnit.Ampere, scanner.Channels[2].Unit);

            // The 300 nm bump in the middle of the field shows in the height the Z feedback recorded.
            Assert.InRange(heights.Max() - heights.Min(), 200e-9, 400e-9);
        }

        // Each chip was opened with its datasheet's SPI mode; closing left Z fully retracted.
        Assert.Equal([SpiMode.Mode1, SpiMode.Mode1, SpiMode.Mode1, SpiMode.Mode3], bench.Opened.Select(s => s.Mode));
        Assert.Equal(-10, bench.Afm.DacZ.OutputVoltage, 3);
        Assert.All(new SpiDevice[] { bench.Afm.DacXSpi, bench.Afm.DacYSpi, bench.Afm.DacZSpi, bench.Afm.AdcSpi }, d => Assert.True(IsDisposed(d)));
    }

    [Fact]
    public void Open_MissingSpidev_NamesTheNodeAndOpensNothing()
    {
        using var bench = new Bench();

        var e = Assert.Throws<BoardConfigurationException>(() => bench.Open(VirtualWiredBoard(), Scan(), path => path != "/dev/spidev0.2"));

        Assert.Contains(e.Errors, m => m.StartsWith("Board:DacZ: /dev/spidev0.2 does not exist", StringComparison.Ordinal));
        Assert.Empty(bench.Opened);
    }

    [Fact]
    public void Open_PinConflict_NamesBothPinsAndOpensNothing()
    {
        using var bench = new Bench();
        var board = VirtualWiredBoard(pins: new BoardPins { Convst = 17, Busy = 27, AdcReset = 22, Range = 23, Clr = 22 });

        var e = Assert.Throws<BoardConfigurationException>(() => bench.Open(board, Scan()));

        Assert.Contains(e.Errors, m => m.StartsWith("Board:Pins:Clr = 22: GPIO 22 is already assigned to Board:Pins:AdcReset", StringComparison.Ordinal));
        Assert.Empty(bench.Opened);
    }

    [Fact]
    public void Open_ScanBeyondTheCalibratedWindow_OpensNothing()
    {
        using var bench = new Bench();
        var scan = new ScanSettings { SizeX = 40e-6, SizeY = 40e-6, PixelsX = 16, PixelsY = 16, LineRateHz = 10 };

        var e = Assert.Throws<BoardConfigurationException>(() => bench.Open(VirtualWiredBoard(), scan));

        Assert.Contains(e.Errors, m => m.StartsWith("Scan area on X", StringComparison.Ordinal));
        Assert.Empty(bench.Opened);
    }

    [Fact]
    public void Open_PinThatCannotBeDriven_ClosesWhatWasOpenedAndMovesNothing()
    {
        using var bench = new Bench();

        // CONVST and BUSY swapped: the host would drive the ADC's BUSY output.
        var board = VirtualWiredBoard(pins: new BoardPins { Convst = 27, Busy = 17, AdcReset = 22, Range = 23, Clr = 13, DacZReset = 19 });
        var e = Assert.Throws<BoardOpenException>(() => bench.Open(board, Scan()));

        Assert.StartsWith("Board:Adc (AD7606 pins): cannot be opened: AD7606 CONVST pin 27", e.Message, StringComparison.Ordinal);
        Assert.Equal(4, bench.Opened.Count);
        Assert.All(new SpiDevice[] { bench.Afm.DacXSpi, bench.Afm.DacYSpi, bench.Afm.DacZSpi, bench.Afm.AdcSpi }, d => Assert.True(IsDisposed(d)));
        Assert.Equal(0, bench.Afm.DacX.ValidFrames + bench.Afm.DacY.ValidFrames + bench.Afm.DacZ.ValidFrames);
    }

    [Fact]
    public void Open_SpidevFailsToOpen_NamesItAndClosesTheOnesBefore()
    {
        using var bench = new Bench { FailOn = (0, 2) };

        var e = Assert.Throws<BoardOpenException>(() => bench.Open(VirtualWiredBoard(), Scan()));

        Assert.StartsWith("Board:DacZ (/dev/spidev0.2): cannot be opened: Permission denied", e.Message, StringComparison.Ordinal);
        Assert.True(IsDisposed(bench.Afm.DacXSpi));
        Assert.True(IsDisposed(bench.Afm.DacYSpi));
        Assert.False(IsDisposed(bench.Afm.AdcSpi));
    }

    /// <summary>A board section wired as <see cref="VirtualAfm"/> is (ADC on spidev0.3 here; the factory maps it to the emulated ADC).</summary>
    internal static BoardOptions VirtualWiredBoard(ScanSettings? scan = null, BoardPins? pins = null) => new()
    {
        Description = "The virtual AFM's wiring",
        DacX = new BoardSpiDevice { Bus = 0, ChipSelect = 0, ClockHz = 10_000_000 },
        DacY = new BoardSpiDevice { Bus = 0, ChipSelect = 1, ClockHz = 10_000_000 },
        DacZ = new BoardSpiDevice { Bus = 0, ChipSelect = 2, ClockHz = 10_000_000 },
        Adc = new BoardSpiDevice { Bus = 0, ChipSelect = 3, ClockHz = 17_000_000 },
        Pins = pins ?? new BoardPins
        {
            Convst = VirtualAfm.AdcPins.Convst,
            Busy = VirtualAfm.AdcPins.Busy,
            AdcReset = VirtualAfm.AdcPins.Reset!.Value,
            Range = VirtualAfm.AdcPins.Range!.Value,
            Clr = VirtualAfm.DacZPins.Clr!.Value, // the board's shared CLR reaches the Z DAC, the one that must retract
            DacZReset = VirtualAfm.DacZPins.Reset!.Value,
        },
        X = new BoardAxis { MetresPerVolt = 0.5e-6, MinVolts = -10, MaxVolts = 10, MaxSlewVoltsPerSecond = 200 },
        Y = new BoardAxis { MetresPerVolt = 0.5e-6, MinVolts = -10, MaxVolts = 10, MaxSlewVoltsPerSecond = 200 },
        Z = new BoardAxis { MetresPerVolt = 50e-9, MinVolts = -10, MaxVolts = 10, MaxSlewVoltsPerSecond = 400 },
        // Plant 0.5 V of deflection per Z volt: the integral corrects 0.4 of the error per point.
        Feedback = new BoardFeedback { Proportional = 0.1, Integral = 0.4 / (0.5 * PointSeconds(scan ?? Scan())), SetpointVolts = 0.5, DeflectionChannel = VirtualAfm.DeflectionInput, DeflectionVoltsPerMetre = 1e7 },
        Fields =
        [
            new BoardField { Name = "Current", Unit = "A", AdcChannel = VirtualAfm.CurrentInput, UnitsPerVolt = 1e-9 },
            new BoardField { Name = "Potential", Unit = "V", AdcChannel = VirtualAfm.PotentialInput, UnitsPerVolt = 1 },
            new BoardField { Name = "Adhesion", Unit = "N", AdcChannel = VirtualAfm.AdhesionInput, UnitsPerVolt = 1e-8 },
        ],
    };

    private static double PointSeconds(ScanSettings scan) =>
        scan.LineTime.TotalSeconds / (2.0 * (scan.PixelsX + (2 * (int)Math.Round(scan.Overscan * scan.PixelsX))));

    private static ScanSettings Scan() => new() { SizeX = 2e-6, SizeY = 2e-6, PixelsX = 16, PixelsY = 16, LineRateHz = 10 };

    private static bool IsDisposed(SpiDevice device)
    {
        try
        {
            device.Write([0, 0, 0]);
            return false;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>The virtual AFM on a virtual clock, whose emulated chips a board's SPI factory hands out by bus and chip select.</summary>
    private sealed class Bench : IDisposable
    {
        public Bench()
        {
            Clock = new VirtualClock();
            Afm = new VirtualAfm(new BumpSurface([new Bump(0, 0, 300e-9, 300e-9)]), new VirtualAfmOptions(), Clock);
        }

        public VirtualClock Clock { get; }

        public VirtualAfm Afm { get; }

        public (int Bus, int ChipSelect)? FailOn { get; init; }

        public List<SpiConnectionSettings> Opened { get; } = [];

        public BoardScanner Open(BoardOptions board, ScanSettings scan, Func<string, bool>? deviceExists = null) =>
            BoardScanner.Open(board, scan, OpenSpi, Afm.Gpio, LoopTiming.Stepped(Clock, Clock.AdvanceTo), deviceExists ?? AllDevicesPresent);

        public void Dispose() => Afm.Dispose();

        private SpiDevice OpenSpi(SpiConnectionSettings settings)
        {
            if (FailOn == (settings.BusId, settings.ChipSelectLine))
            {
                throw new UnauthorizedAccessException("Permission denied");
            }

            Opened.Add(settings);
            return (settings.BusId, settings.ChipSelectLine) switch
            {
                (0, 0) => Afm.DacXSpi,
                (0, 1) => Afm.DacYSpi,
                (0, 2) => Afm.DacZSpi,
                (0, 3) => Afm.AdcSpi,
                _ => throw new IOException($"No emulated chip on bus {settings.BusId}, chip select {settings.ChipSelectLine}."),
            };
        }
    }
}
