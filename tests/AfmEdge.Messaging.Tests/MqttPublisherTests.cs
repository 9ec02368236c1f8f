using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using AfmEdge.Core;
using AfmEdge.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Packets;

namespace AfmEdge.Messaging.Tests;

/// <summary>The publisher handing data to the embedded broker in-process: subscribers must see what a socket would have carried.</summary>
public sealed class MqttPublisherTests
{
    private static Frame MakeFrame(int pixels, long sequence)
    {
        var scan = new ScanSettings { SizeX = 5e-6, SizeY = 5e-6, PixelsX = pixels, PixelsY = pixels, LineRateHz = 1 };
        var random = new Random(11);
        Channel Make(string name, PhysicalUnit unit) =>
            new(new ChannelDescriptor(name, unit), pixels, pixels, Enumerable.Range(0, pixels * pixels).Select(_ => (float)random.NextDouble()).ToArray());
        return new Frame(new FrameId(DateTimeOffset.UnixEpoch, sequence), scan, [Make("Height", PhysicalUnit.Metre), Make("Current", PhysicalUnit.Ampere)]);
    }

    [Fact]
    public async Task PublishFrame_EmbeddedBrokerInProcess_SubscriberGetsStatusFirstThenBitExactChannels()
    {
        var cancel = TestContext.Current.CancellationToken;
        var port = LoopbackPort.Reserve();
        await using var broker = new EmbeddedBroker(IPAddress.Loopback, port, TimeProvider.System, NullLogger<EmbeddedBroker>.Instance);
        await broker.StartAsync();
        var options = new MqttOptions { Port = port, Device = "inproc", ChunkBytes = 4096 };
        await using var subscriber = await Subscriber.ConnectAsync(port, new TopicScheme(options.Site, options.Device).Root + "/#", cancel);
        await using var publisher = new MqttPublisher(options, TimeProvider.System, NullLogger<MqttPublisher>.Instance, broker);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var loop = publisher.RunAsync(stop.Token);
        await publisher.WaitConnectedAsync(cancel);
        var frame = MakeFrame(48, 3);

        await publisher.PublishFrameAsync(frame, cancel);
        await publisher.PublishSummaryAsync("{\"schemaVersion\":1}"u8.ToArray(), cancel);
        var expectedChunks = 2 * (((48 * 48 * sizeof(float)) + 4095) / 4096);
        await subscriber.WaitForAsync(s => s.Messages.Count >= 1 + expectedChunks + 1, cancel);
        await stop.CancelAsync();
        await loop;

        var messages = subscriber.Messages.ToArray();
        Assert.Equal(publisher.Topics.Status, messages[0].Topic);
        Assert.Equal(MqttPublisher.Online, Encoding.UTF8.GetString(messages[0].Payload.ToArray()));
        var reassembler = new FrameReassembler();
        var channels = new List<ReassembledChannel>();
        foreach (var message in messages.Where(m => m.Topic == publisher.Topics.Frame(frame.Id.ToString())))
        {
            Assert.Equal("application/octet-stream", message.ContentType);
            Assert.Equal(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
            var properties = message.UserProperties.ToDictionary(p => p.Name, p => p.ReadValueAsString());
            if (reassembler.Add(properties, message.Payload.ToArray()) is { } channel)
            {
                channels.Add(channel);
            }
        }

        Assert.Equal(2, channels.Count);
        foreach (var channel in channels)
        {
            Assert.Equal(frame.Channels.Single(c => c.Descriptor.Key == channel.Channel).Data.ToArray(), channel.Samples);
        }

        var summary = Assert.Single(messages, m => m.Topic == publisher.Topics.Summary);
        Assert.Equal("application/json", summary.ContentType);
    }

    [Fact]
    public async Task PublishSummary_EmbeddedBrokerInProcess_IsRetainedForALateSubscriber()
    {
        var cancel = TestContext.Current.CancellationToken;
        var port = LoopbackPort.Reserve();
        await using var broker = new EmbeddedBroker(IPAddress.Loopback, port, TimeProvider.System, NullLogger<EmbeddedBroker>.Instance);
        await broker.StartAsync();
        await using var publisher = new MqttPublisher(new MqttOptions { Port = port, Device = "retained" }, TimeProvider.System, NullLogger<MqttPublisher>.Instance, broker);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var loop = publisher.RunAsync(stop.Token);
        await publisher.WaitConnectedAsync(cancel);
        var json = "{\"schemaVersion\":1,\"frame\":\"late\"}"u8.ToArray();

        await publisher.PublishSummaryAsync(json, cancel);
        await using var late = await Subscriber.ConnectAsync(port, publisher.Topics.Summary, cancel);
        await late.WaitForAsync(s => !s.Messages.IsEmpty, cancel);
        await stop.CancelAsync();
        await loop;

        var message = Assert.Single(late.Messages);
        Assert.True(message.Retain);
        Assert.Equal(json, message.Payload.ToArray());
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("#", true)]
    [InlineData("afm/+/lab/held/summary", false)]
    public async Task PublishFrame_EmbeddedBroker_SaysWhetherTheBrokerStillHoldsTheSamples(string? subscription, bool held)
    {
        var cancel = TestContext.Current.CancellationToken;
        var port = LoopbackPort.Reserve();
        await using var broker = new EmbeddedBroker(IPAddress.Loopback, port, TimeProvider.System, NullLogger<EmbeddedBroker>.Instance);
        await broker.StartAsync();
        var options = new MqttOptions { Port = port, Site = "lab", Device = "held", ChunkBytes = 4096 };
        await using var subscriber = subscription is null ? null : await Subscriber.ConnectAsync(port, subscription, cancel);
        await using var publisher = new MqttPublisher(options, TimeProvider.System, NullLogger<MqttPublisher>.Instance, broker);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var loop = publisher.RunAsync(stop.Token);
        await publisher.WaitConnectedAsync(cancel);

        var result = await publisher.PublishFrameAsync(MakeFrame(48, 1), cancel);
        await stop.CancelAsync();
        await loop;

        Assert.Equal(held, result);
    }

    [Fact]
    public async Task Inject_RetainedWithoutSubscribers_CountsAsHeld()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var broker = new EmbeddedBroker(IPAddress.Loopback, LoopbackPort.Reserve(), TimeProvider.System, NullLogger<EmbeddedBroker>.Instance);
        await broker.StartAsync();
        var retained = new MqttApplicationMessageBuilder().WithTopic("lab/x/summary").WithPayload("{}").WithRetainFlag().Build();
        var dropped = new MqttApplicationMessageBuilder().WithTopic("lab/x/summary").WithPayload("{}").Build();

        Assert.True(await broker.InjectAsync(retained, "afmedge-x", cancel));
        Assert.False(await broker.InjectAsync(dropped, "afmedge-x", cancel));
    }

    [Fact]
    public async Task Inject_BrokerNotStarted_ThrowsNamingTheTopic()
    {
        await using var broker = new EmbeddedBroker(IPAddress.Loopback, LoopbackPort.Reserve(), TimeProvider.System, NullLogger<EmbeddedBroker>.Instance);
        var message = new MqttApplicationMessageBuilder().WithTopic("lab/x/summary").WithPayload("{}").Build();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => broker.InjectAsync(message, "afmedge-x", TestContext.Current.CancellationToken));

        Assert.Contains("lab/x/summary", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A lab client: records every message it receives, in order.</summary>
    private sealed class Subscriber : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

        public ConcurrentQueue<MqttApplicationMessage> Messages { get; } = new();

        public static async Task<Subscriber> ConnectAsync(int port, string filter, CancellationToken cancellationToken)
        {
            var subscriber = new Subscriber();
            subscriber._client.ApplicationMessageReceivedAsync += e =>
            {
                subscriber.Messages.Enqueue(e.ApplicationMessage);
                return Task.CompletedTask;
            };
            await subscriber._client.ConnectAsync(new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", port)
                .WithClientId("sub-" + Guid.NewGuid().ToString("N"))
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
                .Build(), cancellationToken);
            await subscriber._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(filter, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce)
                .Build(), cancellationToken);
            return subscriber;
        }

        public async Task WaitForAsync(Func<Subscriber, bool> condition, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            while (!condition(this))
            {
                if (timeout.IsCancellationRequested)
                {
                    throw new TimeoutException($"Not all messages came within 20 s; got {Messages.Count}: {string.Join(", ", Messages.Select(m => m.Topic))}");
                }

                await Task.Delay(10, CancellationToken.None);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync();
            }

            _client.Dispose();
        }
    }
}
