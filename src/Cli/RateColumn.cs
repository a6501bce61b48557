using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Cli;

/// <summary>A progress column with the task's speed, e.g. "12,345 records/s".</summary>
internal sealed class RateColumn(string unit) : ProgressColumn
{
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(string.Create(CultureInfo.InvariantCulture, $"{task.Speed ?? 0:N0} {unit}"));
}
