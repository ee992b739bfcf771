from dataclasses import asdict

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response

from collector.api import ContributorAPIView
from collector.middleware import contributor_of
from collector.models import Clip, Contributor
from core.errors import NotFound
from core.http import audio_response
from core.serializers import ErrorOutput
from labeling import selectors, serializers, services
from labeling.throttles import VoteAddressThrottle, VoteVoterThrottle
from labeling.tickets import ticket_check, ticket_issue


class ReviewerAPIView(ContributorAPIView):
    """Voters are contributors with consent, or logged-in reviewer accounts."""

    authentication_classes = [*ContributorAPIView.authentication_classes, SessionAuthentication]

    def is_reviewer_account(self) -> bool:
        return services.is_reviewer_account(self.request.user)

    def voter(self):
        if self.is_reviewer_account():
            return services.reviewer_contributor(
                user=self.request.user, cookie_contributor=contributor_of(self.request._request)
            )
        return self.request.auth

    def served_voter(self, *, ticket: str, clip_id) -> Contributor:
        """The voter, if the queue served them this clip (labeling.tickets)."""
        voter = services.voter_required(self.voter())
        ticket_check(ticket=ticket, clip_id=clip_id, voter_id=voter.id)
        return voter


class NextClipApi(ReviewerAPIView):
    @extend_schema(responses={200: serializers.ReviewClipOutput, 204: None, 403: ErrorOutput})
    def get(self, request, slug):
        campaign = self.campaign(slug)
        voter = services.voter_check_campaign(
            voter=self.voter(), campaign=campaign, reviewer_account=self.is_reviewer_account()
        )
        standing = services.standing_of(voter=voter, reviewer_account=self.is_reviewer_account())
        clip = services.review_assign_next(voter=voter, campaign=campaign, standing=standing)
        if clip is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        clip.ticket = ticket_issue(clip_id=clip.id, voter_id=voter.id)
        return Response(serializers.ReviewClipOutput(clip, context={"standing": standing}).data)


class MyReviewApi(ReviewerAPIView):
    """The reviewer's own figures: gold accuracy (in steps, so it never marks a clip as gold), agreement with the
    crowd's decisions, and whether their votes count yet."""

    @extend_schema(responses={200: serializers.ReviewSummaryOutput, 403: ErrorOutput})
    def get(self, request, slug):
        campaign = self.campaign(slug)
        voter = services.voter_check_campaign(
            voter=self.voter(), campaign=campaign, reviewer_account=self.is_reviewer_account()
        )
        summary = selectors.voter_review_summary(voter=voter, campaign=campaign)
        standing = services.standing_of(voter=voter, reviewer_account=self.is_reviewer_account())
        return Response(serializers.ReviewSummaryOutput({**asdict(summary), "standing": standing}).data)


class ReviewClipAudioApi(ReviewerAPIView):
    @extend_schema(
        parameters=[serializers.AudioQuery],
        responses={(200, "audio/wav"): bytes, 403: ErrorOutput, 404: ErrorOutput},
    )
    def get(self, request, clip_id):
        query = serializers.AudioQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        voter = self.served_voter(ticket=query.validated_data["ticket"], clip_id=clip_id)
        clip = Clip.objects.select_related("campaign").filter(id=clip_id).first()
        if clip is None:
            raise NotFound(gettext("no such clip (it may have been deleted by its speaker)"))
        voter = services.voter_check_campaign(
            voter=voter, campaign=clip.campaign, reviewer_account=self.is_reviewer_account()
        )
        if clip.contributor_id == voter.id:
            raise services.NotYourClip(gettext("you cannot review your own recordings"))
        return audio_response(clip.audio.name)


class VoteApi(ReviewerAPIView):
    throttle_classes = [VoteVoterThrottle, VoteAddressThrottle]

    @extend_schema(
        request=serializers.VoteInput,
        responses={
            201: serializers.VoteOutput,
            400: ErrorOutput,
            403: ErrorOutput,
            404: ErrorOutput,
            409: ErrorOutput,
            429: ErrorOutput,
        },
    )
    def post(self, request, clip_id):
        data = serializers.VoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        answer = dict(data.validated_data)
        voter = self.served_voter(ticket=answer.pop("ticket"), clip_id=clip_id)
        vote = services.vote_cast(voter=voter, clip_id=clip_id, reviewer_account=self.is_reviewer_account(), **answer)
        return Response(serializers.VoteOutput(vote).data, status=status.HTTP_201_CREATED)
