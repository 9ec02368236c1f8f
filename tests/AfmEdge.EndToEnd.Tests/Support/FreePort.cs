using System.Net;
using System.Net.Sockets;

namespace AfmEdge.EndToEnd.Tests.Support;

internal static class FreePort
{
    /// <summary>A loopback port nobody listens on right now (the OS picks it, so parallel tests do not collide).</summary>
    public static int Get()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
}
