"""Hash-chain the audit trail: number existing events in order and seal each one."""

from django.db import migrations, models


def chain_existing(apps, schema_editor):
    from tandem.privacy.chain import GENESIS, SEALED_FIELDS, event_hash

    AuditEvent = apps.get_model("privacy", "AuditEvent")
    AuditChainHead = apps.get_model("privacy", "AuditChainHead")
    seq, prev = 0, GENESIS
    for event in AuditEvent.objects.order_by("at", "pk").iterator(chunk_size=2000):
        seq += 1
        event.seq, event.prev_hash = seq, prev
        event.hash = event_hash({name: getattr(event, name) for name in SEALED_FIELDS})
        AuditEvent.objects.filter(pk=event.pk).update(
            seq=event.seq, prev_hash=event.prev_hash, hash=event.hash
        )
        prev = event.hash
    AuditChainHead.objects.create(pk=1, seq=seq, hash=prev)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(default="0" * 64, max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(
                default="", help_text="The previous event's hash.", max_length=64
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(
                default="", help_text="SHA-256 over this event and prev_hash.", max_length=64
            ),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(
                help_text="Position in the hash chain.", unique=True
            ),
        ),
    ]
