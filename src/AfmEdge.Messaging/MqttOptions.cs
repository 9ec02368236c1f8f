namespace AfmEdge.Messaging;

/// <summary>Where and how the device talks MQTT. Bound from the "AfmEdge:Mqtt" config section.</summary>
public sealed class MqttOptions
{
    /// <summary>Embedded: start MQTTnet's broker inside the host (the default, no install needed). External: connect to Host:Port.</summary>
    public MqttBrokerMode Broker { get; set; } = MqttBrokerMode.Embedded;

    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;

    /// <summary>Address the embedded broker listens on; loopback unless the lab opens it deliberately.</summary>
    public string EmbeddedBindAddress { get; set; } = "127.0.0.1";

    public string Site { get; set; } = "lab";

    public string Device { get; set; } = "afm-01";

    /// <summary>Empty: "afmedge-{Device}".</summary>
    public string ClientId { get; set; } = string.Empty;

    /// <summary>
    /// Largest frame chunk. The contract allows 1 MiB, but measured here MQTTnet 5.2 (client and embedded broker)
    /// moves 64 KiB messages ~40× faster than 128 KiB ones (98 vs 2.8 frames/s of 4×256² float32), so 64 KiB it is.
    /// </summary>
    public int ChunkBytes { get; set; } = 64 * 1024;

    public int KeepAliveSeconds { get; set; } = 15;

    public int ReconnectMinMilliseconds { get; set; } = 250;

    public int ReconnectMaxMilliseconds { get; set; } = 10_000;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(Broker))
        {
            errors.Add($"Mqtt:Broker = {Broker}: must be Embedded or External.");
        }

        if (string.IsNullOrWhiteSpace(Host))
        {
            errors.Add("Mqtt:Host is empty: give the broker's host name or address.");
        }

        if (Port is < 1 or > 65535)
        {
            errors.Add($"Mqtt:Port = {Port}: must be between 1 and 65535.");
        }

        if (Broker == MqttBrokerMode.Embedded && !System.Net.IPAddress.TryParse(EmbeddedBindAddress, out _))
        {
            errors.Add($"Mqtt:EmbeddedBindAddress = '{EmbeddedBindAddress}': must be an IP address such as 127.0.0.1.");
        }

        if (!TopicScheme.IsValidLevel(Site, out var siteError))
        {
            errors.Add($"Mqtt:Site {siteError}.");
        }

        if (!TopicScheme.IsValidLevel(Device, out var deviceError))
        {
            errors.Add($"Mqtt:Device {deviceError}.");
        }

        if (ChunkBytes is < 1024 or > FrameChunker.ContractMaxChunkBytes)
        {
            errors.Add($"Mqtt:ChunkBytes = {ChunkBytes}: must be between 1024 and {FrameChunker.ContractMaxChunkBytes}.");
        }

        if (KeepAliveSeconds is < 1 or > 3600)
        {
            errors.Add($"Mqtt:KeepAliveSeconds = {KeepAliveSeconds}: must be between 1 and 3600.");
        }

        if (ReconnectMinMilliseconds < 10 || ReconnectMaxMilliseconds < ReconnectMinMilliseconds)
        {
            errors.Add($"Mqtt:ReconnectMinMilliseconds = {ReconnectMinMilliseconds}, ReconnectMaxMilliseconds = {ReconnectMaxMilliseconds}: need 10 ≤ min ≤ max.");
        }

        return errors;
    }

    public string EffectiveClientId => string.IsNullOrWhiteSpace(ClientId) ? "afmedge-" + Device : ClientId;
}

public enum MqttBrokerMode
{
    Embedded,
    External,
}
