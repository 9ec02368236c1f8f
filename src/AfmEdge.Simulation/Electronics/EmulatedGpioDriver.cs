using System.Device.Gpio;

namespace AfmEdge.Simulation.Electronics;

/// <summary>
/// A <see cref="GpioDriver"/> whose pins are wired to emulated chip pins, used as
/// <c>new GpioController(driver)</c> so that board code runs unchanged against the virtual microscope.
/// </summary>
/// <remarks>
/// <para>A pin is one of three kinds: a chip input (the host drives it: CONVST, RESET, RANGE, LDAC, CLR),
/// a chip output (the chip drives it: BUSY) or free (a loose GPIO that reads back what was written).
/// Chip inputs support <see cref="PinMode.Output"/> (and input modes, reading the level on the wire);
/// chip outputs support only input modes, so a driver that tries to drive BUSY fails loudly as the
/// wrong wiring would on a board.</para>
/// <para>Edges on chip outputs reach <see cref="GpioController.RegisterCallbackForPinValueChangedEvent"/>
/// handlers and <see cref="GpioController.WaitForEvent(int, PinEventTypes, CancellationToken)"/> through
/// <see cref="NotifyChipOutputChanged"/>, which the wiring helpers in <see cref="EmulatedWiring"/> call
/// for every edge, so even a 4 µs BUSY pulse between two reads is seen as two edges, as edge detection
/// on a board would see it.</para>
/// </remarks>
public sealed class EmulatedGpioDriver : GpioDriver
{
    // A Monitor, not System.Threading.Lock: the conversion timer's thread contends for it, and Lock creates its
    // wait event (a managed object) lazily on the first contended wait, a stray allocation on the scan thread.
    private readonly object _gate = new();
    private readonly object _edgeSignal = new();
    private readonly PinSlot[] _pins;

    /// <summary>Creates a controller with <paramref name="pinCount"/> pins numbered from 0, all free.</summary>
    public EmulatedGpioDriver(int pinCount = 64)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pinCount);
        _pins = new PinSlot[pinCount];
        for (int i = 0; i < pinCount; i++)
        {
            _pins[i] = new PinSlot();
        }
    }

    /// <inheritdoc />
    protected override int PinCount => _pins.Length;

    /// <summary>Wires <paramref name="pinNumber"/> to a chip input: every host write calls <paramref name="drive"/>.</summary>
    /// <param name="pinNumber">Host pin number.</param>
    /// <param name="name">Chip and pin, for error messages (e.g. "AD7606 CONVST").</param>
    /// <param name="drive">Sets the chip pin's level.</param>
    /// <param name="initialLevel">Level the wire rests at before the host drives it (the board's pull resistor).</param>
    public void ConnectChipInput(int pinNumber, string name, Action<bool> drive, bool initialLevel)
    {
        ArgumentNullException.ThrowIfNull(drive);
        var slot = Slot(pinNumber);
        lock (_gate)
        {
            Claim(pinNumber, slot, name);
            slot.Kind = PinKind.ChipInput;
            slot.Drive = drive;
            slot.Level = initialLevel;
        }
    }

    /// <summary>Wires <paramref name="pinNumber"/> to a chip output: host reads call <paramref name="read"/>.</summary>
    public void ConnectChipOutput(int pinNumber, string name, Func<bool> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var slot = Slot(pinNumber);
        bool level = read(); // outside the lock: the chip may report edges while it updates
        lock (_gate)
        {
            Claim(pinNumber, slot, name);
            slot.Kind = PinKind.ChipOutput;
            slot.Read = read;
            slot.Level = level;
        }
    }

    /// <summary>
    /// Reports an edge of the chip output on <paramref name="pinNumber"/>: the chip calls this, in order,
    /// for every change of the pin. Registered callbacks run and <see cref="WaitForEvent"/> wakes.
    /// A report of the level the pin already has is ignored.
    /// </summary>
    public void NotifyChipOutputChanged(int pinNumber, bool level) => Observe(pinNumber, Slot(pinNumber), level);

    /// <summary>Name of what is wired to <paramref name="pinNumber"/>, or null when the pin is free.</summary>
    public string? DescribePin(int pinNumber)
    {
        var slot = Slot(pinNumber);
        lock (_gate)
        {
            return slot.Name;
        }
    }

    /// <inheritdoc />
    protected override void OpenPin(int pinNumber) => Slot(pinNumber); // GpioController tracks open pins; this validates the number.

    /// <inheritdoc />
    protected override void ClosePin(int pinNumber)
    {
        var slot = Slot(pinNumber);
        lock (_gate)
        {
            slot.Callbacks = [];
        }
    }

    /// <inheritdoc />
    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        var slot = Slot(pinNumber);
        lock (_gate)
        {
            if (!IsSupported(slot, mode))
            {
                throw new InvalidOperationException(slot.Kind == PinKind.ChipOutput
                    ? $"Pin {pinNumber} is driven by {slot.Name}; it cannot be set to mode {mode}."
                    : $"Pin {pinNumber} ({slot.Name ?? "free"}) does not support mode {mode}.");
            }

            slot.Mode = mode;
        }
    }

    /// <inheritdoc />
    protected override PinMode GetPinMode(int pinNumber)
    {
        var slot = Slot(pinNumber);
        lock (_gate)
        {
            return slot.Mode;
        }
    }

    /// <inheritdoc />
    protected override bool IsPinModeSupported(int pinNumber, PinMode mode)
    {
        var slot = Slot(pinNumber);
        lock (_gate)
        {
            return IsSupported(slot, mode);
        }
    }

    /// <inheritdoc />
    protected override PinValue Read(int pinNumber)
    {
        var slot = Slot(pinNumber);
        Func<bool>? read;
        bool level;
        lock (_gate)
        {
            read = slot.Read;
            level = slot.Level;
        }

        // A chip output is read from the chip itself (which brings it up to date with its clock);
        // its edges arrive through NotifyChipOutputChanged.
        bool value = read is null ? level : read();
        return value ? PinValue.High : PinValue.Low;
    }

    /// <inheritdoc />
    protected override void Write(int pinNumber, PinValue value)
    {
        var slot = Slot(pinNumber);
        bool level = value == PinValue.High;
        Action<bool>? drive;
        lock (_gate)
        {
            if (slot.Kind == PinKind.ChipOutput)
            {
                throw new InvalidOperationException($"Pin {pinNumber} is driven by {slot.Name}; the host cannot write it.");
            }

            if (slot.Mode != PinMode.Output)
            {
                throw new InvalidOperationException($"Pin {pinNumber} ({slot.Name ?? "free"}) is in mode {slot.Mode}, not Output.");
            }

            slot.Level = level;
            drive = slot.Drive;
        }

        drive?.Invoke(level);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Only edges after the call are reported, as with a kernel GPIO line whose edge detection is armed
    /// by the wait: a chip brought up to date by the first read below has its earlier edges consumed.
    /// </remarks>
    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        var slot = Slot(pinNumber);
        _ = Read(pinNumber);
        long rising0, falling0;
        lock (_gate)
        {
            rising0 = slot.RisingEdges;
            falling0 = slot.FallingEdges;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            var seen = PinEventTypes.None;
            lock (_gate)
            {
                if (slot.RisingEdges != rising0)
                {
                    seen |= PinEventTypes.Rising;
                }

                if (slot.FallingEdges != falling0)
                {
                    seen |= PinEventTypes.Falling;
                }
            }

            if ((seen & eventTypes) != 0)
            {
                return new WaitForEventResult { EventTypes = seen & eventTypes, TimedOut = false };
            }

            // Edge reports pulse the monitor; the 1 ms poll also moves chips whose state only
            // advances when they are looked at (the ADC's BUSY under a real clock).
            lock (_edgeSignal)
            {
                Monitor.Wait(_edgeSignal, 1);
            }

            _ = Read(pinNumber);
        }

        return new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true };
    }

    /// <inheritdoc />
    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var slot = Slot(pinNumber);
        lock (_gate)
        {
            slot.Callbacks = [.. slot.Callbacks, new Subscription(eventTypes, callback)];
        }
    }

    /// <inheritdoc />
    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        var slot = Slot(pinNumber);
        lock (_gate)
        {
            slot.Callbacks = Array.FindAll(slot.Callbacks, s => s.Handler != callback);
        }
    }

    private static bool IsSupported(PinSlot slot, PinMode mode) => mode switch
    {
        PinMode.Output => slot.Kind != PinKind.ChipOutput,
        PinMode.Input or PinMode.InputPullUp or PinMode.InputPullDown => true,
        _ => false,
    };

    private void Observe(int pinNumber, PinSlot slot, bool value)
    {
        Subscription[] callbacks;
        PinEventTypes edge;
        lock (_gate)
        {
            if (slot.Level == value)
            {
                return;
            }

            slot.Level = value;
            edge = value ? PinEventTypes.Rising : PinEventTypes.Falling;
            if (value)
            {
                slot.RisingEdges++;
            }
            else
            {
                slot.FallingEdges++;
            }

            // Copy-on-write array: safe to walk outside the lock, and nothing is allocated per edge.
            callbacks = slot.Callbacks;
        }

        lock (_edgeSignal)
        {
            Monitor.PulseAll(_edgeSignal);
        }

        PinValueChangedEventArgs? args = null;
        foreach (var callback in callbacks)
        {
            if ((callback.Types & edge) != 0)
            {
                args ??= new PinValueChangedEventArgs(edge, pinNumber);
                callback.Handler(this, args);
            }
        }
    }

    private static void Claim(int pinNumber, PinSlot slot, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (slot.Kind != PinKind.Free)
        {
            throw new InvalidOperationException($"Pin {pinNumber} is already wired to {slot.Name}; cannot wire it to {name}.");
        }

        slot.Name = name;
    }

    private PinSlot Slot(int pinNumber)
    {
        if ((uint)pinNumber >= (uint)_pins.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(pinNumber), pinNumber, $"The emulated controller has pins 0 to {_pins.Length - 1}.");
        }

        return _pins[pinNumber];
    }

    private enum PinKind
    {
        Free,
        ChipInput,
        ChipOutput,
    }

    private readonly record struct Subscription(PinEventTypes Types, PinChangeEventHandler Handler);

    private sealed class PinSlot
    {
        public PinKind Kind { get; set; }

        public string? Name { get; set; }

        public Action<bool>? Drive { get; set; }

        public Func<bool>? Read { get; set; }

        public bool Level { get; set; }

        public long RisingEdges { get; set; }

        public long FallingEdges { get; set; }

        public PinMode Mode { get; set; } = PinMode.Input;

        public Subscription[] Callbacks { get; set; } = [];
    }
}
