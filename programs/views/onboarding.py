from django.shortcuts import redirect, render

from ..forms import PartnerApplicationForm


def apply(request):
    """The public form a company fills in to join the program."""
    form = PartnerApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and form.submit():
        return redirect("programs:apply_done")
    return render(request, "programs/apply.html", {"form": form}, status=400 if form.errors else 200)


def apply_done(request):
    return render(request, "programs/apply_done.html")
