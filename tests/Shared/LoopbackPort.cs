using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AfmEdge.Tests.Shared;

/// <summary>
/// Loopback ports for test servers that must be told their port before they bind (the embedded broker, Mosquitto).
/// Asking the OS for port 0 and closing it races: the OS hands the same number to the next outgoing connection
/// (our own MQTT clients included) or to a test in a parallel test process. So ports come from below the
/// ephemeral range, where no outgoing connection ever lands, and each is reserved across processes by a lock file
/// held open until this process exits.
/// </summary>
internal static class LoopbackPort
{
    private const int LowestCandidate = 20000;
    private static readonly ConcurrentBag<FileStream> Reservations = [];
    private static readonly string LockDirectory = Path.Combine(Path.GetTempPath(), "afmedge-test-ports");

    /// <summary>A loopback port nobody listens on now, reserved for this test process.</summary>
    public static int Reserve()
    {
        Directory.CreateDirectory(LockDirectory);
        var highestCandidate = EphemeralRangeStart() - 1;
        var span = highestCandidate - LowestCandidate + 1;
        var start = Random.Shared.Next(span);
        for (var i = 0; i < span; i++)
        {
            var port = LowestCandidate + ((start + i) % span);
            if (TryLock(port, out var reservation))
            {
                if (CanBind(port))
                {
                    Reservations.Add(reservation);
                    return port;
                }

                reservation.Dispose();
            }
        }

        throw new InvalidOperationException($"No free loopback port between {LowestCandidate} and {highestCandidate}.");
    }

    public static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool TryLock(int port, out FileStream reservation)
    {
        try
        {
            // FileShare.None takes an advisory lock on Unix: another test process opening it fails until we exit.
            reservation = new FileStream(
                Path.Combine(LockDirectory, port.ToString(CultureInfo.InvariantCulture) + ".lock"),
                FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return true;
        }
        catch (IOException)
        {
            reservation = null!;
            return false;
        }
    }

    private static bool CanBind(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralRangeStart()
    {
        const string rangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
        if (File.Exists(rangeFile))
        {
            var first = File.ReadAllText(rangeFile).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0];
            if (int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var low) && low > LowestCandidate + 1000)
            {
                return low;
            }
        }

        return 32768; // Linux's default; Windows and macOS start at 49152, so this stays below theirs too.
    }
}
