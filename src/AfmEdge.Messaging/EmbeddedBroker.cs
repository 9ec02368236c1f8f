using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Server;

namespace AfmEdge.Messaging;

/// <summary>
/// MQTTnet's broker running inside the host, so a bare board publishes with nothing installed.
/// Listens on one address (loopback by default) and port; a taken port is reported, not retried.
/// </summary>
public sealed partial class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    // Messages being injected, and whether the broker found no subscriber for them (see InjectAsync's result).
    private readonly ConcurrentDictionary<MqttApplicationMessage, bool> _injecting = new(ReferenceEqualityComparer.Instance);

    public EmbeddedBroker(IPAddress address, int port, TimeProvider time, ILogger<EmbeddedBroker> logger)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _time = time;
        Address = address;
        Port = port;
        _logger = logger;
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(address)
            .WithDefaultEndpointPort(port)
            .Build();
        // Only the one address given: never a silent second listener on IPv6 any-address.
        options.DefaultEndpointOptions.BoundInterNetworkV6Address = IPAddress.None;
        _server = new MqttServerFactory().CreateMqttServer(options);
        _server.ValidatingConnectionAsync += AssignClientIdentifier;
        _server.ApplicationMessageNotConsumedAsync += e =>
        {
            // Raised inside the dispatch that InjectAsync awaits, for the very message handed in.
            _injecting.TryUpdate(e.ApplicationMessage, true, false);
            return Task.CompletedTask;
        };
    }

    public IPAddress Address { get; }
    public int Port { get; }
    public bool IsStarted => _server.IsStarted;

    public async Task StartAsync()
    {
        try
        {
            await _server.StartAsync();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new InvalidOperationException(
                $"The embedded MQTT broker cannot listen on {Address}:{Port}: the port is already in use (another broker?). " +
                "Set AfmEdge:Mqtt:Port to a free port, or AfmEdge:Mqtt:Broker to External to use the running broker.", e);
        }

        Log.Started(_logger, Address.ToString(), Port);
    }

    /// <summary>
    /// Hands <paramref name="message"/> to the broker from inside the process, as if the client
    /// <paramref name="senderClientId"/> had published it: subscribers, retained messages and QoS are handled exactly
    /// as for a message that came in over a connection, but nothing is encoded, sent over loopback, read back and copied.
    /// For a 512² four-channel frame that round trip was most of the publishing stage's processor time. The payload is
    /// not copied: it must not change while the broker holds the message (queued for a subscriber, or retained).
    /// Completes once the message is queued for every matching subscriber.
    /// </summary>
    /// <returns>
    /// Whether the broker may still hold the message: true when it was queued for a subscriber or is retained; false
    /// when it matched no subscriber and is not retained, so the broker dropped it and its payload is the caller's again.
    /// </returns>
    /// <exception cref="InvalidOperationException">The broker is not running.</exception>
    public async Task<bool> InjectAsync(MqttApplicationMessage message, string senderClientId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(senderClientId);
        if (!_server.IsStarted)
        {
            throw new InvalidOperationException($"The embedded MQTT broker on {Address}:{Port} is not running: message for {message.Topic} not delivered.");
        }

        // MQTTnet 5.2 dispatches an injected message before the task completes: it is queued (by reference) for each
        // session whose subscriptions match, stored if retained, and "not consumed" is raised when no session matched.
        // Anything else (the event not seen, a failure) counts as held: a payload is only handed back when proven free.
        if (!_injecting.TryAdd(message, false))
        {
            throw new InvalidOperationException($"The message for {message.Topic} is already being injected.");
        }

        try
        {
            await _server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = senderClientId }, cancellationToken);
            return message.Retain || !(_injecting.TryGetValue(message, out var dropped) && dropped);
        }
        finally
        {
            _injecting.TryRemove(message, out _);
        }
    }

    /// <summary>
    /// Stops listening after giving subscribers up to <paramref name="drainTimeout"/> (default 10 s) to receive what
    /// is still queued for them, e.g. the last frames and the "offline" status the publisher sent just before, so
    /// stopping loses nothing. A queue can be empty while the broker is still writing the messages it took from it (a
    /// subscriber on a busy board can take seconds to take several megabytes of frames), so the broker counts as done
    /// only when no message is queued and no byte has gone out to any client for <see cref="QuietPolls"/> polls in a row.
    /// </summary>
    public async Task StopAsync(TimeSpan? drainTimeout = null)
    {
        if (!_server.IsStarted)
        {
            return;
        }

        var deadline = _time.GetUtcNow() + (drainTimeout ?? TimeSpan.FromSeconds(10));
        var bytesSent = await BytesSentAsync();
        var quietPolls = 0;
        while (_time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), _time);
            var sent = await BytesSentAsync();
            var quiet = sent == bytesSent && !await HasUndeliveredMessagesAsync();
            bytesSent = sent;
            quietPolls = quiet ? quietPolls + 1 : 0;
            if (quietPolls == QuietPolls)
            {
                break;
            }
        }

        await _server.StopAsync();
        Log.Stopped(_logger);
    }

    /// <summary>Polls (20 ms apart) with nothing queued and nothing sent that end the drain: 200 ms of quiet.</summary>
    private const int QuietPolls = 10;

    private async Task<long> BytesSentAsync()
    {
        long total = 0;
        foreach (var client in await _server.GetClientsAsync())
        {
            total += client.BytesSent;
        }

        return total;
    }

    /// <summary>
    /// MQTT 5 lets a client connect with an empty client id and have the server assign one (mosquitto_sub -V mqttv5
    /// does); MQTTnet's broker refuses it unless told an id to give. MQTTnet 5.2 ignores the assignment for MQTT
    /// 3.1.1 clients, so those must send their own id (mosquitto_sub -i NAME).
    /// </summary>
    private static Task AssignClientIdentifier(ValidatingConnectionEventArgs e)
    {
        if (string.IsNullOrEmpty(e.ClientId))
        {
            e.AssignedClientIdentifier = "auto-" + Guid.NewGuid().ToString("N");
        }

        return Task.CompletedTask;
    }

    private async Task<bool> HasUndeliveredMessagesAsync()
    {
        foreach (var session in await _server.GetSessionsAsync())
        {
            if (session.PendingApplicationMessagesCount > 0)
            {
                return true;
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _server.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Embedded MQTT broker listening on {Address}:{Port}")]
        public static partial void Started(ILogger logger, string address, int port);

        [LoggerMessage(2, LogLevel.Information, "Embedded MQTT broker stopped")]
        public static partial void Stopped(ILogger logger);
    }
}
