using System.Text.Json;
using Berth.Api.Meta;

namespace Berth.Api.Tests.Models;

/// <summary>metav1.Time as read and written: RFC 3339 in, UTC with second precision out.</summary>
public class KubeTimeTests
{
    private sealed record Holder(DateTimeOffset At);

    private static DateTimeOffset Read(string text)
        => JsonSerializer.Deserialize<Holder>("{\"at\":\"" + text + "\"}", KubeJson.Options)!.At;

    private static string Write(DateTimeOffset at) => JsonSerializer.Serialize(new Holder(at), KubeJson.Options);

    [Theory]
    [InlineData("2024-01-02T03:04:05Z")]
    [InlineData("2024-01-02T05:04:05+02:00")]
    [InlineData("2024-01-01T22:04:05-05:00")]
    [InlineData("2024-01-02T03:04:05")] // no zone: UTC, as before the reader's own parser was used for "…Z"
    [InlineData("2024-01-02t03:04:05z")]
    public void Every_spelling_of_an_instant_reads_as_that_instant_in_UTC(string text)
    {
        var at = Read(text);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), at);
        Assert.Equal(TimeSpan.Zero, at.Offset);
    }

    [Fact]
    public void Fractions_are_kept_when_read_and_dropped_when_written()
    {
        var at = Read("2024-01-02T03:04:05.75Z");
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, 750, TimeSpan.Zero), at);
        Assert.Equal("""{"at":"2024-01-02T03:04:05Z"}""", Write(at));
    }

    [Fact]
    public void Written_in_UTC_whatever_the_offset()
    {
        Assert.Equal("""{"at":"2024-01-02T03:04:05Z"}""", Write(new DateTimeOffset(2024, 1, 2, 5, 4, 5, TimeSpan.FromHours(2))));
        Assert.Equal("""{"at":"0001-01-01T00:00:00Z"}""", Write(DateTimeOffset.MinValue));
        Assert.Equal("""{"at":"9999-12-31T23:59:59Z"}""", Write(DateTimeOffset.MaxValue));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2024-13-02T03:04:05Z")]
    [InlineData("")]
    public void What_is_not_a_time_is_an_error(string text)
        => Assert.ThrowsAny<JsonException>(() => Read(text));
}
