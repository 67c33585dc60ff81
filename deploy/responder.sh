#!/usr/bin/env bash
# Sets up the responder: `rollback respond --serve` on Cloud Run, woken by the runbook's alert policy
# through a Pub/Sub topic and an authenticated push subscription. deploy/README.md says why it is
# built this way; `responder.sh --help` lists the flags.
#
# Every step can run again: what exists is kept (service accounts, secret, topic), updated (the
# Cloud Run service, the subscription) or granted again (IAM bindings are sets). Every value comes
# from a flag or the environment and is handed to gcloud as one argument of its own: nothing read
# here is ever run through a shell. With --dry-run nothing is called, and the commands of a first run
# (one that finds nothing there yet) are printed one a line, quoted for bash.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: deploy/responder.sh [options]

Required (flag, or the variable in brackets):
  --project ID               Google Cloud project of the service and the responder [CLOUDSDK_CORE_PROJECT]
  --region REGION            region of the responder and, unless --target-region, of the service [CLOUDSDK_RUN_REGION]
  --image REF                the responder image the release pushed [RESPONDER_IMAGE]
  --runbook FILE             the service's runbook, delivered to the responder as a secret [ROLLBACK_RUNBOOK]
  --journal gs://BUCKET[/PREFIX]
                             the team's shared journal [ROLLBACK_JOURNAL]; required, because the
                             responder's disk is gone when its instance stops
  --target-service NAME      the Cloud Run service the runbook rolls back
  --target-service-account EMAIL
                             the service account that service runs as (updating the service's traffic
                             needs permission to act as it)

Optional:
  --target-region REGION     the service's region (default: --region)
  --secret NAME              a secret the runbook reads (apiKey, notify); repeat for each
  --target-secret NAME       a secret the service's revisions pin by version (checked before a rollback
                             to them, never read); repeat for each
  --project-number N         the project's number (default: asked of gcloud; --dry-run prints
                             PROJECT_NUMBER without it)
  --name NAME                the responder's Cloud Run service (default rollback-responder)
  --topic NAME               the Pub/Sub topic the alert policy notifies (default rollback-incidents)
  --subscription NAME        the push subscription (default rollback-incidents-push)
  --runbook-secret NAME      the secret holding the runbook (default rollback-runbook)
  --memory SIZE              the responder's memory (default 512Mi)
  --rollback PATH            the rollback launcher that applies the alert policy (default: rollback on PATH)
  --yes                      passed to `rollback alert-policy --apply`, for a run with no terminal
  --dry-run                  call nothing; print the commands a first run makes (a later run
                             skips creating what exists)
  -h, --help                 this text
EOF
}

fail() {
  printf 'error: %s\n' "$1" >&2
  exit 2
}

project=${CLOUDSDK_CORE_PROJECT:-}
region=${CLOUDSDK_RUN_REGION:-}
image=${RESPONDER_IMAGE:-}
runbook=${ROLLBACK_RUNBOOK:-}
journal=${ROLLBACK_JOURNAL:-}
target_service=
target_sa=
target_region=
project_number=
name='rollback-responder'
topic='rollback-incidents'
subscription='rollback-incidents-push'
runbook_secret='rollback-runbook'
memory=512Mi
rollback=rollback
yes=0
dry_run=0
secrets=()
target_secrets=()

while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --dry-run) dry_run=1; shift; continue ;;
    --yes) yes=1; shift; continue ;;
    --*=*) set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
  esac
  flag=$1
  [[ $# -ge 2 ]] || fail "$flag needs a value (see --help)"
  value=$2
  shift 2
  case $flag in
    --project) project=$value ;;
    --region) region=$value ;;
    --image) image=$value ;;
    --runbook) runbook=$value ;;
    --journal) journal=$value ;;
    --target-service) target_service=$value ;;
    --target-service-account) target_sa=$value ;;
    --target-region) target_region=$value ;;
    --secret) secrets+=("$value") ;;
    --target-secret) target_secrets+=("$value") ;;
    --project-number) project_number=$value ;;
    --name) name=$value ;;
    --topic) topic=$value ;;
    --subscription) subscription=$value ;;
    --runbook-secret) runbook_secret=$value ;;
    --memory) memory=$value ;;
    --rollback) rollback=$value ;;
    *) fail "unknown option $flag (see --help)" ;;
  esac
done
target_region=${target_region:-$region}

# Every input is checked before the first call, so a mistake changes nothing (exit 2).
check() { # check VALUE PATTERN WHAT
  [[ $1 =~ $2 ]] || fail "$3"
}
[[ -n $journal ]] || fail "no shared journal: give --journal gs://BUCKET[/PREFIX] or set ROLLBACK_JOURNAL. The \
responder needs one: its instance's disk is gone when it stops, and with it a local journal, the record of which \
incidents were already acted on and the lock that keeps a colleague and the responder from acting at once"
check "$journal" '^gs://[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](/[A-Za-z0-9._/-]*)?$' \
  "--journal must be gs://BUCKET or gs://BUCKET/PREFIX (letters, digits, . _ - and /), not '$journal'"
[[ -n $project ]] || fail "no project: give --project or set CLOUDSDK_CORE_PROJECT"
check "$project" '^[a-z][a-z0-9-]{4,28}[a-z0-9]$' "--project is not a project id: '$project'"
[[ -n $region ]] || fail "no region: give --region or set CLOUDSDK_RUN_REGION"
check "$region" '^[a-z]+-[a-z]+[0-9]+$' "--region is not a region: '$region'"
check "$target_region" '^[a-z]+-[a-z]+[0-9]+$' "--target-region is not a region: '$target_region'"
[[ -n $image ]] || fail "no image: give --image (the reference the release pushed) or set RESPONDER_IMAGE"
check "$image" '^[a-z0-9][A-Za-z0-9._/:@-]*$' "--image is not an image reference: '$image'"
[[ -n $runbook ]] || fail "no runbook: give --runbook FILE or set ROLLBACK_RUNBOOK"
[[ -f $runbook && -r $runbook ]] || fail "--runbook $runbook is not a file that can be read"
[[ -n $target_service ]] || fail "no --target-service: the Cloud Run service the runbook rolls back"
check "$target_service" '^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$' "--target-service is not a service name: '$target_service'"
[[ -n $target_sa ]] || fail "no --target-service-account: the account $target_service runs as (gcloud run services \
describe $target_service --region $target_region --format='value(spec.template.spec.serviceAccountName)')"
check "$target_sa" '^[a-z0-9][-a-z0-9]*@[a-z0-9.-]+\.gserviceaccount\.com$' \
  "--target-service-account is not a service account's email: '$target_sa'"
# The name is also the responder's service account, and NAME-push the push subscription's: 6 to 30 characters.
check "$name" '^[a-z][-a-z0-9]{4,23}[a-z0-9]$' \
  "--name must be 6 to 25 lowercase letters, digits or hyphens (it names service accounts too), not '$name'"
check "$topic" '^[A-Za-z][A-Za-z0-9._~+%-]{2,254}$' "--topic is not a topic name: '$topic'"
check "$subscription" '^[A-Za-z][A-Za-z0-9._~+%-]{2,254}$' "--subscription is not a subscription name: '$subscription'"
for s in "$runbook_secret" ${secrets[@]+"${secrets[@]}"} ${target_secrets[@]+"${target_secrets[@]}"}; do
  check "$s" '^[A-Za-z0-9_-]{1,255}$' "'$s' is not a secret name"
done
check "$memory" '^[0-9]+(Mi|Gi)$' "--memory must be like 512Mi or 1Gi, not '$memory'"
# The responder has no environment of the runbook's own: a value the runbook reads from a variable
# ({env: API_KEY}) is missing there, so its checks or its notifications would fail at the first incident.
env_lines=$(grep -nE '(^|[{,[:space:]])env:' "$runbook" || true)
if [[ -n $env_lines ]]; then
  printf 'warning: %s reads environment variables, which the responder does not have: store each value in Secret Manager, write {secret: NAME} in the runbook and give --secret NAME\n' "$runbook" >&2
  printf '%s\n' "$env_lines" | sed 's/^/  line /' >&2
fi
[[ -z $project_number ]] || check "$project_number" '^[0-9]{6,20}$' "--project-number is not a number: '$project_number'"

# Prints a command, or runs it.
run() {
  if [[ $dry_run -eq 1 ]]; then
    printf '%q' "$1"
    shift
    [[ $# -eq 0 ]] || printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

# True when a resource must be created: always under --dry-run (which prints the creation), else
# when its describe command fails.
missing() {
  [[ $dry_run -eq 1 ]] && return 0
  ! "$@" >/dev/null 2>&1
}

note() {
  if [[ $dry_run -eq 1 ]]; then printf '# %s\n' "$1"; else printf '%s\n' "$1" >&2; fi
}

if [[ -z $project_number ]]; then
  if [[ $dry_run -eq 1 ]]; then
    project_number=PROJECT_NUMBER
    printf 'note: without --project-number the commands below say PROJECT_NUMBER where it goes\n' >&2
  else
    project_number=$(gcloud projects describe "$project" --format='value(projectNumber)')
  fi
fi

bucket=${journal#gs://}
bucket=gs://${bucket%%/*}
responder=$name@$project.iam.gserviceaccount.com
pusher=${name}-push@$project.iam.gserviceaccount.com
runbook_path=/etc/rollback/runbook.yaml
operations_role=rollbackResponderOperations
topic_name=projects/$project/topics/$topic
monitoring_agent=service-$project_number@gcp-sa-monitoring-notification.iam.gserviceaccount.com
pubsub_agent=service-$project_number@gcp-sa-pubsub.iam.gserviceaccount.com

note "APIs the responder and its wiring use"
run gcloud services enable run.googleapis.com pubsub.googleapis.com monitoring.googleapis.com \
  secretmanager.googleapis.com iam.googleapis.com storage.googleapis.com "--project=$project"

note "Two service accounts: the responder runs as one, the push subscription calls it as the other"
if missing gcloud iam service-accounts describe "$responder" "--project=$project"; then
  run gcloud iam service-accounts create "$name" "--project=$project" \
    "--display-name=rollback responder for $target_service"
fi
if missing gcloud iam service-accounts describe "$pusher" "--project=$project"; then
  run gcloud iam service-accounts create "${name}-push" "--project=$project" \
    "--display-name=Pub/Sub push to $name"
fi

note "The runbook, as a secret the responder reads as a file (a new version when the file changed)"
if missing gcloud secrets describe "$runbook_secret" "--project=$project"; then
  run gcloud secrets create "$runbook_secret" "--project=$project" --replication-policy=automatic
fi
# Each version kept costs a little every month: one is added only when the file differs from the latest.
stored=$(mktemp)
trap 'rm -f "$stored"' EXIT
if missing gcloud secrets versions access latest "--secret=$runbook_secret" "--project=$project" \
  "--out-file=$stored" || ! cmp -s "$stored" "$runbook"; then
  run gcloud secrets versions add "$runbook_secret" "--project=$project" "--data-file=$runbook"
fi

note "What the responder may do, and no more: change $target_service only"
# Waiting for the update to finish reads its operation, which belongs to the project, not to the service:
# a role of that one permission, granted on the project.
if missing gcloud iam roles describe "$operations_role" "--project=$project"; then
  run gcloud iam roles create "$operations_role" "--project=$project" --permissions=run.operations.get \
    --stage=GA "--title=Read Cloud Run operations" \
    "--description=Lets the rollback responder wait for the Cloud Run updates it sends"
fi
run gcloud projects add-iam-policy-binding "$project" "--member=serviceAccount:$responder" \
  "--role=projects/$project/roles/$operations_role" --condition=None
run gcloud run services add-iam-policy-binding "$target_service" "--project=$project" "--region=$target_region" \
  "--member=serviceAccount:$responder" --role=roles/run.developer
run gcloud iam service-accounts add-iam-policy-binding "$target_sa" "--project=$project" \
  "--member=serviceAccount:$responder" --role=roles/iam.serviceAccountUser
run gcloud projects add-iam-policy-binding "$project" "--member=serviceAccount:$responder" \
  --role=roles/monitoring.viewer --condition=None
run gcloud storage buckets add-iam-policy-binding "$bucket" "--member=serviceAccount:$responder" \
  --role=roles/storage.objectUser
run gcloud secrets add-iam-policy-binding "$runbook_secret" "--project=$project" \
  "--member=serviceAccount:$responder" --role=roles/secretmanager.secretAccessor
# The tool reads a secret's newest ENABLED version, never `latest`: listing the versions needs the viewer role.
for s in ${secrets[@]+"${secrets[@]}"}; do
  run gcloud secrets add-iam-policy-binding "$s" "--project=$project" \
    "--member=serviceAccount:$responder" --role=roles/secretmanager.secretAccessor
  run gcloud secrets add-iam-policy-binding "$s" "--project=$project" \
    "--member=serviceAccount:$responder" --role=roles/secretmanager.viewer
done
for s in ${target_secrets[@]+"${target_secrets[@]}"}; do
  run gcloud secrets add-iam-policy-binding "$s" "--project=$project" \
    "--member=serviceAccount:$responder" --role=roles/secretmanager.viewer
done

note "The responder: one instance at most, one incident at a time, none while idle"
run gcloud run deploy "$name" "--project=$project" "--region=$region" "--image=$image" \
  "--service-account=$responder" --no-allow-unauthenticated \
  --min-instances=0 --max-instances=1 --concurrency=1 --cpu=1 "--memory=$memory" --cpu-boost --timeout=600 \
  "--set-env-vars=ROLLBACK_RUNBOOK=$runbook_path,ROLLBACK_JOURNAL=$journal" \
  "--set-secrets=$runbook_path=$runbook_secret:latest" --quiet
run gcloud run services add-iam-policy-binding "$name" "--project=$project" "--region=$region" \
  "--member=serviceAccount:$pusher" --role=roles/run.invoker

if [[ $dry_run -eq 1 ]]; then
  # The URL a new service gets; a real run reads it from Cloud Run.
  url=https://$name-$project_number.$region.run.app
  note "the push endpoint: $url (a real run reads it with gcloud run services describe)"
else
  url=$(gcloud run services describe "$name" "--project=$project" "--region=$region" --format='value(status.url)')
fi

note "Pub/Sub signs each push with the push account's identity token"
run gcloud iam service-accounts add-iam-policy-binding "$pusher" "--project=$project" \
  "--member=serviceAccount:$pubsub_agent" --role=roles/iam.serviceAccountTokenCreator
if missing gcloud pubsub topics describe "$topic" "--project=$project"; then
  run gcloud pubsub topics create "$topic" "--project=$project"
fi
# Pushes wait as long as a response may take (600 s, the most Pub/Sub allows); a subscription
# nobody pulls from would otherwise be deleted after 31 days without an incident.
push=("--push-endpoint=$url" "--push-auth-service-account=$pusher" --ack-deadline=600
  --expiration-period=never --min-retry-delay=10s --max-retry-delay=600s)
if missing gcloud pubsub subscriptions describe "$subscription" "--project=$project"; then
  run gcloud pubsub subscriptions create "$subscription" "--project=$project" "--topic=$topic" "${push[@]}"
else
  run gcloud pubsub subscriptions update "$subscription" "--project=$project" "${push[@]}"
fi

note "The runbook's alert policy notifies the topic"
apply=("$rollback" -r "$runbook" alert-policy --apply --pubsub-topic "$topic_name")
[[ $yes -eq 0 ]] || apply+=(--yes)
run "${apply[@]}"
# Monitoring's notification agent exists once the project has a Pub/Sub channel, which the step above made.
run gcloud pubsub topics add-iam-policy-binding "$topic" "--project=$project" \
  "--member=serviceAccount:$monitoring_agent" --role=roles/pubsub.publisher

note "Done: $name answers incidents of $target_service's alert policy"
