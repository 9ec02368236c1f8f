using System.Buffers;
using System.Globalization;
using System.Text;
using AfmEdge.Core;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace AfmEdge.Messaging;

/// <summary>
/// The device's one MQTT connection. <see cref="RunAsync"/> keeps it up (connect, announce "online",
/// ping, back off and reconnect); it is the only place that connects, never an event handler, as MQTTnet 5
/// has no managed client. Publishing waits for the connection and retries a message that failed because
/// the link dropped, so scan data is delayed, never lost.
/// </summary>
/// <remarks>
/// With the embedded broker in the same process, frames, summaries and previews are handed to it directly
/// (<see cref="EmbeddedBroker.InjectAsync"/>) under this client's id instead of looping through a socket to ourselves;
/// subscribers get the same messages. The connection still carries the status, its last will and the keep-alive, and
/// data waits for it, so "online" still comes before the first frame and "offline" after the last.
/// </remarks>
public sealed partial class MqttPublisher : IAsyncDisposable
{
    public const string Online = "online";
    public const string Offline = "offline";

    /// <summary>
    /// QoS 1 messages sent and not yet acknowledged, at most: enough to keep the link busy while acknowledgements
    /// come back, few enough that a slow broker holds the publisher back instead of queueing without bound.
    /// </summary>
    public const int MaxInFlight = 16;

    // Room for a chunk's header and properties, and for the small messages (summary, status) beside the chunks.
    private const int SocketBufferBytes = 64 * 1024;

    private readonly MqttOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly FrameChunker _chunker;
    private readonly SemaphoreSlim _inFlight = new(MaxInFlight, MaxInFlight);
    private readonly EmbeddedBroker? _embedded;
    private TaskCompletionSource _connected = NewSignal();
    private volatile bool _stopping;

    /// <param name="embedded">
    /// The broker this client connects to when it runs in this process (<see cref="MqttBrokerMode.Embedded"/>): data is
    /// handed to it directly while it runs. Null for an external broker.
    /// </param>
    public MqttPublisher(MqttOptions options, TimeProvider time, ILogger<MqttPublisher> logger, EmbeddedBroker? embedded = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _time = time;
        _logger = logger;
        _embedded = embedded;
        Topics = new TopicScheme(options.Site, options.Device);
        _chunker = new FrameChunker(options.ChunkBytes);
        _client = new MqttClientFactory().CreateMqttClient();
        _client.DisconnectedAsync += e =>
        {
            // Only note the loss here; RunAsync notices and reconnects.
            Interlocked.Exchange(ref _connected, NewSignal());
            if (e.ClientWasConnected && !_stopping)
            {
                Log.Disconnected(_logger, e.Reason.ToString());
            }

            return Task.CompletedTask;
        };
    }

    public TopicScheme Topics { get; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Keeps the connection up until <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(_options.ReconnectMinMilliseconds);
        var maxBackoff = TimeSpan.FromMilliseconds(_options.ReconnectMaxMilliseconds);
        var pingInterval = TimeSpan.FromSeconds(Math.Max(1, _options.KeepAliveSeconds / 2.0));
        while (!cancellationToken.IsCancellationRequested && !_stopping)
        {
            try
            {
                if (!_client.IsConnected)
                {
                    await _client.ConnectAsync(ClientOptions(), cancellationToken);
                    await PublishStatusCoreAsync(Online, cancellationToken);
                    Log.Connected(_logger, _options.Host, _options.Port, Topics.Root);
                    backoff = TimeSpan.FromMilliseconds(_options.ReconnectMinMilliseconds);
                    Volatile.Read(ref _connected).TrySetResult();
                }
                else
                {
                    // A publish that failed as the link dropped may have reset the signal after this loop reconnected.
                    Volatile.Read(ref _connected).TrySetResult();
                }

                await Task.Delay(pingInterval, _time, cancellationToken);
                if (!await _client.TryPingAsync(cancellationToken))
                {
                    Log.PingFailed(_logger);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or System.Net.Sockets.SocketException or IOException or TimeoutException or OperationCanceledException)
            {
                Log.ConnectFailed(_logger, _options.Host, _options.Port, backoff.TotalMilliseconds, e.Message);
                try
                {
                    await Task.Delay(backoff, _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(maxBackoff.Ticks, backoff.Ticks * 2));
            }
        }
    }

    /// <summary>Completes when the connection is up (and "online" announced).</summary>
    public Task WaitConnectedAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _connected).Task.WaitAsync(cancellationToken);

    /// <summary>
    /// Publishes every channel of <paramref name="frame"/> as chunks on frame/{id}, QoS 1, straight from the frame's
    /// samples (no copy). Up to <see cref="MaxInFlight"/> chunks are in flight at once, so the broker's
    /// acknowledgements overlap instead of costing a round trip per chunk; completes when every chunk is acknowledged
    /// (or, with the embedded broker, queued for every subscriber).
    /// </summary>
    /// <returns>
    /// Whether the samples may still be read after this returns: false only when every chunk went to the embedded broker
    /// and it dropped each (no subscriber), so nothing outside the caller holds the frame's arrays and they may be reused.
    /// True when any chunk was queued for a subscriber, went to an external broker, or failed.
    /// </returns>
    public async Task<bool> PublishFrameAsync(Frame frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var topic = Topics.Frame(frame.Id.ToString());
        var pending = new List<Task<bool>>();
        var shared = Array.Empty<(string Name, ReadOnlyMemory<byte> Value)>();
        try
        {
            foreach (var chunk in _chunker.Chunk(frame))
            {
                if (chunk.Index == 0)
                {
                    // Every chunk of a channel carries the same properties but its index: encode them once per channel.
                    shared = [.. chunk.UserProperties().Select(p => (p.Key, (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(p.Value)))];
                }

                var builder = new MqttApplicationMessageBuilder()
                    .WithTopic(topic)
                    .WithPayload(new ReadOnlySequence<byte>(chunk.Payload))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .WithContentType("application/octet-stream");
                foreach (var (name, value) in shared)
                {
                    builder.WithUserProperty(name, name == FrameChunk.IndexProperty
                        ? Encoding.UTF8.GetBytes(chunk.Index.ToString(CultureInfo.InvariantCulture))
                        : value);
                }

                pending.Add(PublishWithRetryAsync(builder.Build(), cancellationToken));
            }
        }
        finally
        {
            // Even when building a message failed, wait for those already sent: they read the frame's samples.
            await Task.WhenAll(pending);
        }

        var held = false;
        foreach (var task in pending)
        {
            held |= task.Result;
        }

        return held;
    }

    /// <summary>Publishes a summary (JSON) retained at QoS 1, so a late subscriber sees the latest one.</summary>
    public Task PublishSummaryAsync(ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Summary)
            .WithPayload(new ReadOnlySequence<byte>(json))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag()
            .WithContentType("application/json")
            .Build();
        return PublishWithRetryAsync(message, cancellationToken);
    }

    /// <summary>Publishes a PNG preview retained at QoS 0: only the latest matters, a lost one is replaced soon.</summary>
    public Task PublishPreviewAsync(ReadOnlyMemory<byte> png, string frameId, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Preview)
            .WithPayload(new ReadOnlySequence<byte>(png))
            .WithRetainFlag()
            .WithContentType("image/png")
            .WithUserProperty("frameId", Utf8(frameId))
            .Build();
        return PublishWithRetryAsync(message, cancellationToken);
    }

    /// <summary>
    /// Publishes one analysis plot (PNG) retained at QoS 0 on plots/{<paramref name="name"/>}, as the preview: only the
    /// latest matters. User properties: frameId, plot (the name), title (what it shows) and, for a plot of one channel, channel.
    /// </summary>
    public Task PublishPlotAsync(string name, ReadOnlyMemory<byte> png, string frameId, string title, string? channel, CancellationToken cancellationToken)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Plot(name))
            .WithPayload(new ReadOnlySequence<byte>(png))
            .WithRetainFlag()
            .WithContentType("image/png")
            .WithUserProperty("frameId", Utf8(frameId))
            .WithUserProperty("plot", Utf8(name))
            .WithUserProperty("title", Utf8(title));
        if (channel is not null)
        {
            builder.WithUserProperty("channel", Utf8(channel));
        }

        return PublishWithRetryAsync(builder.Build(), cancellationToken);
    }

    /// <summary>Announces "offline" (retained) and disconnects cleanly, so the broker does not send the last will.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_client.IsConnected)
        {
            return;
        }

        _stopping = true;
        try
        {
            await PublishStatusCoreAsync(Offline, cancellationToken);
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), cancellationToken);
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or IOException or OperationCanceledException)
        {
            // The broker is gone or we ran out of time: the last will says "offline" for us.
            Log.StopFailed(_logger, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await StopAsync(timeout.Token);
        _client.Dispose();
        _inFlight.Dispose();
    }

    /// <returns>Whether anything may still read the message's payload (see <see cref="EmbeddedBroker.InjectAsync"/>);
    /// always true for an external broker, whose client this does not follow that far.</returns>
    private async Task<bool> PublishWithRetryAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        if (_embedded is { IsStarted: true } broker)
        {
            await WaitConnectedAsync(cancellationToken);
            return await broker.InjectAsync(message, _options.EffectiveClientId, cancellationToken);
        }

        while (true)
        {
            await WaitConnectedAsync(cancellationToken);
            await _inFlight.WaitAsync(cancellationToken);
            try
            {
                var result = await _client.PublishAsync(message, cancellationToken);
                if (!result.IsSuccess)
                {
                    throw new InvalidOperationException($"The broker refused {message.Topic}: {result.ReasonCode} {result.ReasonString}");
                }

                return true;
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Exceptions.MqttClientNotConnectedException or IOException)
            {
                // The link dropped mid-publish: wait for RunAsync to reconnect, then send it again (QoS 1 allows a duplicate).
                Log.PublishRetry(_logger, message.Topic, e.Message);
                var signal = Volatile.Read(ref _connected);
                if (!_client.IsConnected && signal.Task.IsCompleted)
                {
                    // Several chunks in flight fail together: the first resets the signal, the rest see it reset.
                    Interlocked.CompareExchange(ref _connected, NewSignal(), signal);
                }
            }
            finally
            {
                _inFlight.Release();
            }
        }
    }

    private async Task PublishStatusCoreAsync(string status, CancellationToken cancellationToken)
    {
        var message = StatusMessage(status);
        await _inFlight.WaitAsync(cancellationToken);
        try
        {
            await _client.PublishAsync(message, cancellationToken);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private MqttApplicationMessage StatusMessage(string status) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Status)
            .WithPayload(Encoding.UTF8.GetBytes(status))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag()
            .Build();

    private MqttClientOptions ClientOptions()
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithClientId(_options.EffectiveClientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithWillTopic(Topics.Status)
            .WithWillPayload(Encoding.UTF8.GetBytes(Offline))
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();

        // MQTTnet sizes the socket's send and receive buffers from this (8 KB by default). Chunks much larger than the
        // send buffer crawl (1 MiB chunks: over 2 s per 4 MB frame on loopback); with room for a whole chunk, 64 KiB
        // and 1 MiB chunks alike take 11–22 ms per 4 MB frame, about half the processor time of the default.
        ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = _chunker.MaxChunkBytes + SocketBufferBytes;
        return options;
    }

    private static ReadOnlyMemory<byte> Utf8(string value) => Encoding.UTF8.GetBytes(value);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "MQTT connected to {Host}:{Port}, publishing under {Root}")]
        public static partial void Connected(ILogger logger, string host, int port, string root);

        [LoggerMessage(2, LogLevel.Warning, "MQTT connection to {Host}:{Port} failed, retrying in {DelayMs} ms: {Reason}")]
        public static partial void ConnectFailed(ILogger logger, string host, int port, double delayMs, string reason);

        [LoggerMessage(3, LogLevel.Warning, "MQTT disconnected: {Reason}")]
        public static partial void Disconnected(ILogger logger, string reason);

        [LoggerMessage(4, LogLevel.Warning, "MQTT ping failed; reconnecting")]
        public static partial void PingFailed(ILogger logger);

        [LoggerMessage(5, LogLevel.Warning, "Publishing {Topic} failed ({Reason}); will resend after reconnecting")]
        public static partial void PublishRetry(ILogger logger, string topic, string reason);

        [LoggerMessage(6, LogLevel.Warning, "Could not announce offline before disconnecting: {Reason}")]
        public static partial void StopFailed(ILogger logger, string reason);
    }
}
