using System.Collections.Concurrent;
using System.Text;
using AfmEdge.Analysis;
using AfmEdge.Messaging;
using MQTTnet;
using MQTTnet.Packets;

namespace AfmEdge.EndToEnd.Tests.Support;

/// <summary>A subscriber that records everything under a device's topics and reassembles frames, as a lab client would.</summary>
internal sealed class MqttProbe : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly FrameReassembler _reassembler = new();
    private readonly object _gate = new();

    public ConcurrentQueue<string> Statuses { get; } = new();
    public ConcurrentQueue<byte[]> Summaries { get; } = new();
    public ConcurrentQueue<byte[]> Previews { get; } = new();
    public ConcurrentQueue<ReassembledChannel> Channels { get; } = new();
    public ConcurrentQueue<ReceivedPlot> Plots { get; } = new();
    public ConcurrentQueue<string> Errors { get; } = new();

    /// <param name="filters">The topic filters subscribed to; none for everything under the device's root.</param>
    public static async Task<MqttProbe> ConnectAsync(int port, TopicScheme topics, params string[] filters)
    {
        var probe = new MqttProbe();
        probe._client.ApplicationMessageReceivedAsync += e =>
        {
            probe.Record(topics, e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await probe._client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId("probe-" + Guid.NewGuid().ToString("N"))
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .Build());
        var subscription = new MqttClientSubscribeOptionsBuilder();
        foreach (var filter in filters.Length == 0 ? [topics.Root + "/#"] : filters)
        {
            subscription.WithTopicFilter(filter, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await probe._client.SubscribeAsync(subscription.Build());
        return probe;
    }

    public async Task WaitForAsync(Func<MqttProbe, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(this))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The probe did not see what it waited for within {timeout}: statuses [{string.Join(", ", Statuses)}], {Summaries.Count} summaries, {Channels.Count} channels, {Previews.Count} previews, {Plots.Count} plots, errors [{string.Join("; ", Errors)}].");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync();
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
                // The embedded broker stops with its host, possibly between IsConnected and the DISCONNECT packet.
            }
        }

        _client.Dispose();
    }

    private void Record(TopicScheme topics, MqttApplicationMessage message)
    {
        var payload = System.Buffers.BuffersExtensions.ToArray(message.Payload);
        if (message.Topic == topics.Status)
        {
            Statuses.Enqueue(Encoding.UTF8.GetString(payload));
        }
        else if (message.Topic == topics.Preview)
        {
            Previews.Enqueue(payload);
        }
        else if (message.Topic == topics.Summary)
        {
            Summaries.Enqueue(payload);
        }
        else if (message.Topic.StartsWith(topics.Root + "/plots/", StringComparison.Ordinal))
        {
            Plots.Enqueue(new ReceivedPlot(message.Topic, payload, message.Retain, message.ContentType,
                (message.UserProperties ?? []).ToDictionary(p => p.Name, p => p.ReadValueAsString())));
        }
        else if (message.Topic.StartsWith(topics.Root + "/frame/", StringComparison.Ordinal))
        {
            var properties = (message.UserProperties ?? []).ToDictionary(p => p.Name, p => p.ReadValueAsString());
            try
            {
                // Chunks of one channel may arrive interleaved with others; the reassembler is not thread-safe.
                lock (_gate)
                {
                    if (_reassembler.Add(properties, payload) is { } channel)
                    {
                        Channels.Enqueue(channel);
                    }
                }
            }
            catch (InvalidDataException e)
            {
                Errors.Enqueue(e.Message);
            }
        }
    }
}

/// <summary>A message on a plot topic as a subscriber sees it (<paramref name="Retain"/>: sent from the broker's retained store).</summary>
internal sealed record ReceivedPlot(string Topic, byte[] Png, bool Retain, string? ContentType, IReadOnlyDictionary<string, string> Properties);
