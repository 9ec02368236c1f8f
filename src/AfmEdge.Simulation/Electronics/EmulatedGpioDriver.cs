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
/// <see cref="NotifyChipOutputChanged"/>, which the wiring helpers in <see cref="EmulatedWiring"/> call.</para>
/// </remarks>
public sealed class EmulatedGpioDriver : GpioDriver
{
    private readonly Lock _gate = new();
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
        var slot = Claim(pinNumber, name);
        lock (_gate)
        {
            slot.Kind = PinKind.ChipInput;
            slot.Name = name;
            slot.Drive = drive;
            slot.Level = initialLevel;
        }
    }

    /// <summary>Wires <paramref name="pinNumber"/> to a chip output: host reads call <paramref name="read"/>.</summary>
    public void ConnectChipOutput(int pinNumber, string name, Func<bool> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var slot = Claim(pinNumber, name);
        lock (_gate)
        {
            slot.Kind = PinKind.ChipOutput;
            slot.Name = name;
            slot.Read = read;
            slot.Level = read();
        }
    }

    /// <summary>
    /// Tells the driver that the chip output on <paramref name="pinNumber"/> may have changed: an edge
    /// is dispatched to registered callbacks and wakes <see cref="WaitForEvent"/>.
    /// </summary>
    public void NotifyChipOutputChanged(int pinNumber)
    {
        var slot = Slot(pinNumber);
        Func<bool>? read;
        lock (_gate)
        {
            read = slot.Read;
        }

        if (read is not null)
        {
            Observe(pinNumber, slot, read());
        }
    }

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
    protected override void OpenPin(int pinNumber)
    {
        var slot = Slot(pinNumber);
        lock (_gate)
        {
            slot.IsOpen = true;
        }
    }

    /// <inheritdoc />
    protected override void ClosePin(int pinNumber)
    {
        var slot = Slot(pinNumber);
        lock (_gate)
        {
            slot.IsOpen = false;
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
                throw new InvalidOperationException(
                    $"Pin {pinNumber} ({slot.Name ?? "free"}) does not support mode {mode}: it is driven by the chip.");
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

        if (read is null)
        {
            return level ? PinValue.High : PinValue.Low;
        }

        bool value = read();
        Observe(pinNumber, slot, value);
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
    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        bool last = Read(pinNumber) == PinValue.High;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Notifications pulse the monitor; the 1 ms poll also advances chips whose state only
            // moves on when they are looked at (the ADC's BUSY under a real clock).
            lock (_edgeSignal)
            {
                Monitor.Wait(_edgeSignal, 1);
            }

            bool now = Read(pinNumber) == PinValue.High;
            if (now == last)
            {
                continue;
            }

            var edge = now ? PinEventTypes.Rising : PinEventTypes.Falling;
            last = now;
            if ((eventTypes & edge) != 0)
            {
                return new WaitForEventResult { EventTypes = edge, TimedOut = false };
            }
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

    private PinSlot Claim(int pinNumber, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var slot = Slot(pinNumber);
        lock (_gate)
        {
            if (slot.Kind != PinKind.Free)
            {
                throw new InvalidOperationException($"Pin {pinNumber} is already wired to {slot.Name}; cannot wire it to {name}.");
            }
        }

        return slot;
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

        public bool IsOpen { get; set; }

        public PinMode Mode { get; set; } = PinMode.Input;

        public Subscription[] Callbacks { get; set; } = [];
    }
}
