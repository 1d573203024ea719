using DocTable.Orleans.Grains;
using Microsoft.Extensions.Logging;

namespace DocTable.Orleans;

/// <summary>
/// On silo shutdown, before Orleans deactivates grains, flushes every queue inserter of this silo
/// into its table while grain calls still run normally; tables then commit and close when they deactivate.
/// It runs just above the <c>Active</c> stage: once the silo reports itself shutting down (stage
/// <c>BecomeActive</c>), no new table activation can be created, so a flush then could fail.
/// The inserters' own <c>OnDeactivateAsync</c> flush stays as the backstop for rows that arrive after this.
/// </summary>
internal sealed class QueueInserterShutdown(LocalQueueInserters inserters, IGrainFactory grains, ILogger<QueueInserterShutdown> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle)
        => lifecycle.Subscribe(nameof(QueueInserterShutdown), ServiceLifecycleStage.Active + 1, _ => Task.CompletedTask, FlushAllAsync);

    private async Task FlushAllAsync(CancellationToken cancellationToken)
    {
        // Rows that handles of this process have taken but not yet handed to their grains go first.
        try
        {
            await QueueInserterHandOvers.WaitAsync(cancellationToken);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Queue inserter hand-overs did not finish on shutdown");
        }
        var keys = inserters.Keys;
        if (keys.Length == 0) return;
        var flushes = keys.Select(async key =>
        {
            try
            {
                await grains.GetGrain<IQueueInserterGrain>(key).FlushAsync(cancellationToken);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Queue inserter {Key} could not flush on shutdown", key);
            }
        });
        await Task.WhenAll(flushes);
        logger.LogDebug("Flushed {Count} queue inserters on shutdown", keys.Length);
    }
}
